import type { Check, CheckInput, CheckOutcome, CheckResult, HostProbe } from '../core/checks.js';

const warn = (detail: string): CheckResult => ({ status: 'warn', detail });

/** Runs checks concurrently, each bounded by a timeout; `ignore` turns a failure into an ignored warning. */
export async function runChecks(
  checks: Check[],
  probe: HostProbe,
  input: CheckInput,
  opts: { ignore?: string[]; timeoutMs?: number; onResult?: (o: CheckOutcome) => void } = {},
): Promise<CheckOutcome[]> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return Promise.all(
    checks.map(async (check) => {
      let result: CheckResult;
      try {
        result = await Promise.race([
          check.run(probe, input),
          new Promise<CheckResult>((resolve) => {
            const t = setTimeout(() => resolve(warn(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
            t.unref();
          }),
        ]);
      } catch (e) {
        result = warn(`the check itself failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      const ignored = result.status === 'fail' && (opts.ignore ?? []).includes(check.id);
      const outcome: CheckOutcome = {
        id: check.id,
        title: check.title,
        ...result,
        ...(ignored ? { ignored: true } : {}),
      };
      opts.onResult?.(outcome);
      return outcome;
    }),
  );
}
