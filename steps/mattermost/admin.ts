import { composeCommand } from '../../src/core/compose.js';
import type { HttpClient, InstallContext, RunResult } from '../../src/core/context.js';
import { parseEnv } from '../../src/core/envfile.js';
import { WizardError } from '../../src/core/errors.js';
import type { CommandSpec } from '../../src/core/plan.js';
import type { Step, StepInput, StepIO } from '../../src/core/step.js';

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

/** Runs an mmctl command, again while local mode is not up yet (the same declared command each time). */
async function mmctl(
  ctx: InstallContext,
  io: StepIO,
  cmd: CommandSpec,
  opts: { input?: string; attempts?: number } = {},
): Promise<RunResult> {
  const attempts = opts.attempts ?? 20;
  for (let attempt = 1; ; attempt++) {
    const r = await io.run(cmd, {
      reject: false,
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
    if (r.exitCode === 0 || attempt >= attempts || !NOT_YET.test(`${r.stdout}\n${r.stderr}`)) return r;
    await new Promise((res) => setTimeout(res, Math.min(1000, ctx.pollIntervalMs * 4)));
  }
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
export function adminStep(s: StepInput): Step {
  const envPath = `${s.answers.dataDir}/.env`;
  // The .env the plan writes before this step: the admin's name, email and password.
  const env = parseEnv(s.planFiles.find((f) => f.path === envPath)?.content ?? '').values;
  const username = env.ADMIN_USERNAME ?? 'admin';
  const email = env.ADMIN_EMAIL ?? s.answers.email;
  const journaled = s.completed.has('admin');
  const search: CommandSpec = {
    ...composeCommand(s, searchUserArgs(username)),
    description: `look for the user "${username}" (again while local mode starts)`,
    poll: true,
  };
  const create: CommandSpec = {
    ...composeCommand(s, createAdminArgs(email, username)),
    description: 'create the first admin with mmctl in local mode (password on stdin)',
    when: `only when there is no user "${username}" yet`,
  };
  const login: CommandSpec = {
    file: 'POST',
    args: [`http://127.0.0.1:${s.answers.port}/api/v4/users/login`],
    description: `the first admin "${username}" logs in with the password in .env`,
  };
  return {
    id: 'admin',
    title: 'Create the first admin',
    // An earlier run created it: only the login is checked.
    commands: journaled ? [login] : [search, create, login],
    async run(ctx, io) {
      const password = env.ADMIN_PASSWORD ?? '';
      if (!password)
        throw new WizardError(
          `${ctx.files.real(envPath)} has no ADMIN_PASSWORD.`,
          'Run the same install again: it writes the .env file first.',
        );
      let created = false;
      let existed = false;
      if (!journaled) {
        io.output(`Looking for the user "${username}" (mmctl --local user search)`);
        const searched = await mmctl(ctx, io, search);
        const found = parseSearch(searched, username);
        if (found === undefined) {
          throw new WizardError(
            `Can't tell whether the user "${username}" exists: mmctl in the ${SERVICE} container answered:\n${tail(searched)}`,
            'Check that the container runs and that local mode is on (MM_SERVICESETTINGS_ENABLELOCALMODE in compose.wizard.yml), then run the same install again.',
          );
        }
        existed = found;
        if (!found) {
          io.output(`Creating "${username}" (mmctl --local user create)`);
          const r = await mmctl(ctx, io, create, { input: `${password}\n`, attempts: 1 });
          if (r.exitCode !== 0) {
            throw new WizardError(
              `mmctl could not create the first admin "${username}":\n${tail(r)}`,
              'Read the error above; the server log: docker compose logs mattermost. Then run the same install again.',
            );
          }
          created = true;
        }
      }
      const result = await adminLogin(ctx.http, ctx.answers.port, username, password, io.signal);
      if (result.ok)
        return created ? `Created the first admin "${username}"` : `First admin "${username}" logs in`;
      if (journaled) {
        ctx.notes.push(
          `The admin's stored password no longer logs in (changed in Mattermost?). The stored one is in ${ctx.files.real(envPath)}.`,
        );
        return `First admin "${username}" exists (its password was changed since the install)`;
      }
      throw new WizardError(
        existed
          ? `A user "${username}" already exists in this database, and the password in ${ctx.files.real(envPath)} does not log in (${result.detail}).`
          : `The first admin "${username}" was created but can't log in: ${result.detail}.`,
        existed
          ? `Log in with that account, or set its password: cd ${ctx.files.real(ctx.projectDir)} && docker compose exec ${SERVICE} mmctl --local user change-password ${username}`
          : 'Read the server log (docker compose logs mattermost), then run the same install again.',
      );
    },
  };
}
