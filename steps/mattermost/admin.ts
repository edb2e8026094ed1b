import type { ListrTask } from 'listr2';
import { composeCommand } from '../../src/core/compose.js';
import type { HttpClient, InstallContext, RunResult } from '../../src/core/context.js';
import { parseEnv } from '../../src/core/envfile.js';
import { WizardError } from '../../src/core/errors.js';
import { formatCommand } from '../../src/core/plan.js';
import { step } from '../../src/core/tasks.js';
import { waitFor } from '../../src/core/wait.js';

/**
 * The first admin, created with mmctl in local mode inside the mattermost container (local mode is switched
 * on in compose.wizard.yml), so that no "first sign-up becomes admin" window is left open on the web.
 *
 * The password never appears in a command line on the host: it goes to `docker compose exec -T` on stdin.
 * `mmctl user create` only takes it as --password, so inside the container a shell reads it from stdin and
 * hands it to mmctl's argv there (visible only inside the container, for the moment mmctl runs).
 */
export const SERVICE = 'mattermost';
export const CREATE_SCRIPT =
  'IFS= read -r password && exec mmctl --local user create --email "$1" --username "$2" --password "$password" --system-admin --email-verified';

export function createAdminArgs(email: string, username: string): string[] {
  return ['exec', '-T', SERVICE, 'sh', '-c', CREATE_SCRIPT, 'sh', email, username];
}

export function searchUserArgs(username: string): string[] {
  return ['exec', '-T', SERVICE, 'mmctl', '--local', 'user', 'search', username];
}

/** The local-mode socket appears a moment after the HTTP port answers; these outputs mean "not yet". */
const NOT_YET =
  /socket file .* doesn'?t exists?|no such file or directory|connection refused|is not running/i;

/** Runs mmctl in local mode; while its socket is not there yet, tries again (the shared wait, about 20 s at most). */
async function mmctl(
  ctx: InstallContext,
  args: string[],
  opts: { input?: string; signal?: AbortSignal; once?: boolean } = {},
): Promise<RunResult> {
  const run = (signal: AbortSignal | undefined) =>
    ctx.runner.run(
      {
        ...composeCommand(ctx, args),
        reject: false,
        ...(opts.input !== undefined ? { input: opts.input } : {}),
      },
      signal ? { signal } : {},
    );
  if (opts.once) return run(opts.signal);
  const r = await waitFor<RunResult>(
    ctx,
    {
      what: 'Mattermost',
      service: SERVICE,
      timeoutSeconds: 20,
      intervalMs: () => Math.min(1000, ctx.pollIntervalMs * 4),
      timeoutMessage: (seconds, last) =>
        `mmctl could not reach Mattermost's local mode within ${seconds} s (last: ${last}).`,
      async check(signal) {
        const r = await run(signal);
        if (r.exitCode === 0 || !NOT_YET.test(`${r.stdout}\n${r.stderr}`)) return { done: true, value: r };
        return { done: false, detail: tail(r).split('\n').pop() ?? `exit code ${r.exitCode}` };
      },
    },
    { ...(opts.signal ? { signal: opts.signal } : {}), output: () => undefined },
  );
  return r.value;
}

const tail = (r: RunResult) => `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-6).join('\n');

/** `mmctl user search NAME`: exit 0 and the user's fields when found, exit 1 and "user NAME not found" otherwise. */
export function parseSearch(r: RunResult, username: string): boolean | undefined {
  if (
    r.exitCode === 0 &&
    new RegExp(`^username: ${username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').test(r.stdout)
  )
    return true;
  if (/not found/i.test(`${r.stdout}\n${r.stderr}`)) return false;
  return undefined;
}

/** Logs in through Mattermost's REST API (POST /api/v4/users/login) to prove the admin exists with that password. */
export async function adminLogin(
  http: HttpClient,
  port: number,
  loginId: string,
  password: string,
  signal?: AbortSignal,
): Promise<{ ok: boolean; detail: string }> {
  try {
    const res = await http.request(`http://127.0.0.1:${port}/api/v4/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'XMLHttpRequest' },
      body: JSON.stringify({ login_id: loginId, password }),
      timeoutMs: 10_000,
      ...(signal ? { signal } : {}),
    });
    if (res.status === 200) return { ok: true, detail: 'logged in' };
    let message = 'login refused';
    try {
      message = (JSON.parse(res.body) as { message?: string }).message ?? message;
    } catch {}
    return { ok: false, detail: `HTTP ${res.status}: ${message}` };
  } catch (e) {
    return { ok: false, detail: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Creates the first admin unless an earlier run did (the journal) or the user already exists, then proves
 * the stored password logs in. A re-run never creates a second admin and never changes the password.
 */
export function adminStep(): ListrTask<InstallContext> {
  return step(
    'admin',
    'Create the first admin',
    async (ctx, task) => {
      const envPath = `${ctx.answers.dataDir}/.env`;
      const env = parseEnv((await ctx.files.readText(envPath)) ?? '').values;
      const username = env.ADMIN_USERNAME ?? 'admin';
      const email = env.ADMIN_EMAIL ?? ctx.answers.email;
      const password = env.ADMIN_PASSWORD ?? '';
      if (!password)
        throw new WizardError(
          `${ctx.files.real(envPath)} has no ADMIN_PASSWORD.`,
          'Run the same install again: it writes the .env file first.',
        );
      const journaled = ctx.journal.completed.has('admin');
      let created = false;
      let existed = false;
      if (!journaled) {
        task.output = `Looking for the user "${username}" (mmctl --local user search)`;
        const search = await mmctl(ctx, searchUserArgs(username), task.signal ? { signal: task.signal } : {});
        const found = parseSearch(search, username);
        if (found === undefined) {
          throw new WizardError(
            `Can't tell whether the user "${username}" exists: mmctl in the ${SERVICE} container answered:\n${tail(search)}`,
            'Check that the container runs and that local mode is on (MM_SERVICESETTINGS_ENABLELOCALMODE in compose.wizard.yml), then run the same install again.',
          );
        }
        existed = found;
        if (!found) {
          task.output = `Creating "${username}" (mmctl --local user create)`;
          const r = await mmctl(ctx, createAdminArgs(email, username), {
            input: `${password}\n`,
            once: true,
            ...(task.signal ? { signal: task.signal } : {}),
          });
          if (r.exitCode !== 0) {
            throw new WizardError(
              `mmctl could not create the first admin "${username}":\n${tail(r)}`,
              'Read the error above; the server log: docker compose logs mattermost. Then run the same install again.',
            );
          }
          created = true;
        }
      }
      const login = await adminLogin(ctx.http, ctx.answers.port, username, password, task.signal);
      if (login.ok)
        return created ? `Created the first admin "${username}"` : `First admin "${username}" logs in`;
      if (journaled) {
        ctx.notes.push(
          `The admin's stored password no longer logs in (changed in Mattermost?). The stored one is in ${ctx.files.real(envPath)}.`,
        );
        return `First admin "${username}" exists (its password was changed since the install)`;
      }
      throw new WizardError(
        existed
          ? `A user "${username}" already exists in this database, and the password in ${ctx.files.real(envPath)} does not log in (${login.detail}).`
          : `The first admin "${username}" was created but can't log in: ${login.detail}.`,
        existed
          ? `Log in with that account, or set its password: cd ${ctx.files.real(ctx.projectDir)} && docker compose exec ${SERVICE} mmctl --local user change-password ${username}`
          : 'Read the server log (docker compose logs mattermost), then run the same install again.',
      );
    },
    {
      dryRun: (ctx) =>
        `run: ${formatCommand(composeCommand(ctx, createAdminArgs(ctx.answers.email, 'admin')))} (password on stdin)`,
    },
  );
}
