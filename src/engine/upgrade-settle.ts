import { CancelledError, WizardError } from '../core/errors.js';
import type { UpgradeJournal } from '../core/upgrade-journal.js';
import { rollBack, type UpgradeContext, untilReady } from './upgrade-tasks.js';

/** How long a re-run waits for the new release to answer after an interrupted switch before it rolls back. */
export const SETTLE_PROBE_SECONDS = 30;

/**
 * Settles a step the wizard was killed in while switching (the env file or the containers may hold either
 * release): probes what runs, judged with the new version and a short timeout. The new release answers → its
 * version is returned (the caller records the step as done); else the previous env file comes back, the old
 * release is started (`up -d --pull never`) and waited for, and the error with the backup and restore remedy
 * the normal rollback gives is thrown (`ctx.rolledBack` set).
 */
export async function settleSwitch(
  ctx: UpgradeContext,
  journal: UpgradeJournal,
  output: (line: string) => void,
): Promise<string> {
  const timeoutSeconds = Math.min(SETTLE_PROBE_SECONDS, ctx.readyTimeoutSeconds);
  const short: UpgradeContext = { ...ctx, readyTimeoutSeconds: timeoutSeconds };
  try {
    const probe = ctx.platform.upgrade?.probe;
    if (probe) return await probe(short, { output });
    const r = await untilReady(short, { output, timeoutSeconds });
    return r.version ?? ctx.to.version;
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    const before = journal.previousEnv ? await ctx.files.readText(journal.previousEnv) : undefined;
    if (before === undefined) {
      throw new WizardError(
        `${ctx.platform.title} ${ctx.to.version} does not answer after the interrupted switch, and the env file as it was before (${journal.previousEnv ?? 'not recorded'}) is gone.`,
        journal.backup
          ? `wizard restore ${journal.backup} puts the env and compose files and the database back as they were before ${ctx.from} → ${ctx.to.version}.`
          : `Set the release in ${ctx.files.real(ctx.envPath)} back to ${ctx.from}, then: cd ${ctx.files.real(ctx.projectDir)} && docker compose up -d`,
      );
    }
    throw await rollBack(ctx, before, e, output, true);
  }
}
