import { composeCommand } from '../../src/core/compose.js';
import type { HttpClient, InstallContext, RunResult } from '../../src/core/context.js';
import type { Validation } from '../../src/core/domain.js';
import { parseEnv } from '../../src/core/envfile.js';
import { WizardError } from '../../src/core/errors.js';
import type { CommandSpec } from '../../src/core/plan.js';
import type { Step, StepInput, StepIO } from '../../src/core/step.js';
import { waitFor } from '../../src/engine/wait.js';

/**
 * The first admin. No password ever reaches a command line, on the host or inside the container (where the
 * host's `ps` sees it too): `mmctl user create` takes the password only as --password, so the account is created
 * through Mattermost's REST API (POST /api/v4/users on 127.0.0.1, the password in the request body). The very
 * first account of a server may sign up that way and becomes its system admin; mmctl in local mode (switched on
 * in compose.wizard.yml) then makes sure of the role and marks the email verified, with only the username in
 * its argv. If someone else signed up first, sign-up is closed and the wizard stops and says so.
 */
export const SERVICE = 'mattermost';

/** Names Mattermost keeps for itself (model/user.go restrictedUsernames, and @here). */
const RESTRICTED = ['all', 'channel', 'here', 'matterbot', 'system'];

/**
 * A username Mattermost accepts (stored lower-cased): it begins with a letter and has 3 to 22 letters, digits,
 * dots, dashes or underscores, as its own error message says (model.user.is_valid.username.app_error).
 */
export function validateUsername(v: string): Validation<string> {
  const name = v.trim().toLowerCase();
  if (!/^[a-z][a-z0-9._-]{2,21}$/.test(name))
    return {
      ok: false,
      error: `"${v}" is not a valid Mattermost username.`,
      remedy: 'Begin with a letter; use 3-22 lower-case letters, digits, dots, dashes or underscores.',
    };
  if (RESTRICTED.includes(name))
    return {
      ok: false,
      error: `"${name}" is reserved by Mattermost.`,
      remedy: `Choose another admin username, e.g. admin (reserved: ${RESTRICTED.join(', ')}).`,
    };
  return { ok: true, value: name };
}

export function searchUserArgs(username: string): string[] {
  return ['exec', '-T', SERVICE, 'mmctl', '--local', 'user', 'search', username];
}

export function systemAdminArgs(username: string): string[] {
  return ['exec', '-T', SERVICE, 'mmctl', '--local', 'roles', 'system-admin', username];
}

export function verifyEmailArgs(username: string): string[] {
  return ['exec', '-T', SERVICE, 'mmctl', '--local', 'user', 'verify', username];
}

/** The local-mode socket appears a moment after the HTTP port answers; these outputs mean "not yet". */
const NOT_YET =
  /socket file .* doesn'?t exists?|no such file or directory|connection refused|is not running/i;

/**
 * Runs an mmctl command (the same declared command each time); while local mode's socket is not there yet, tries
 * again through the shared wait (the container watched meanwhile), about `seconds` at most.
 */
async function mmctl(
  ctx: InstallContext,
  io: StepIO,
  cmd: CommandSpec,
  opts: { seconds?: number } = {},
): Promise<RunResult> {
  const r = await waitFor<RunResult>(
    ctx,
    {
      what: 'Mattermost',
      service: SERVICE,
      timeoutSeconds: opts.seconds ?? 20,
      intervalMs: () => Math.min(1000, ctx.pollIntervalMs * 4),
      timeoutMessage: (seconds, last) =>
        `mmctl could not reach Mattermost's local mode within ${seconds} s (last: ${last}).`,
      async check() {
        const r = await io.run(cmd, { reject: false });
        if (r.exitCode === 0 || !NOT_YET.test(`${r.stdout}\n${r.stderr}`)) return { done: true, value: r };
        return { done: false, detail: tail(r).split('\n').pop() ?? `exit code ${r.exitCode}` };
      },
    },
    { ...(io.signal ? { signal: io.signal } : {}), output: () => undefined },
  );
  return r.value;
}

const tail = (r: RunResult) => `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-6).join('\n');

async function mmctlOrFail(ctx: InstallContext, io: StepIO, cmd: CommandSpec, what: string) {
  const r = await mmctl(ctx, io, cmd, { seconds: 5 });
  if (r.exitCode !== 0)
    throw new WizardError(
      `mmctl could not ${what}:\n${tail(r)}`,
      'Read the error above; the server log: docker compose logs mattermost. Then run the same install again.',
    );
}

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

/** Creates a user through Mattermost's REST API (POST /api/v4/users): the password travels in the body only. */
export async function createUser(
  http: HttpClient,
  port: number,
  user: { email: string; username: string; password: string },
  signal?: AbortSignal,
): Promise<
  | { ok: true; roles: string; emailVerified: boolean }
  | { ok: false; status: number; id: string; detail: string }
> {
  try {
    const res = await http.request(`http://127.0.0.1:${port}/api/v4/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-requested-with': 'XMLHttpRequest' },
      body: JSON.stringify({ email: user.email, username: user.username, password: user.password }),
      timeoutMs: 15_000,
      ...(signal ? { signal } : {}),
    });
    let body: { roles?: string; email_verified?: boolean; message?: string; id?: string } = {};
    try {
      body = JSON.parse(res.body) as typeof body;
    } catch {}
    if (res.status === 201)
      return { ok: true, roles: body.roles ?? '', emailVerified: body.email_verified === true };
    return {
      ok: false,
      status: res.status,
      id: body.id ?? '',
      detail: `HTTP ${res.status}: ${body.message ?? 'refused'}`,
    };
  } catch (e) {
    return { ok: false, status: 0, id: '', detail: e instanceof Error ? e.message : String(e) };
  }
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
  const username = env.ADMIN_USERNAME ?? s.answers.extra.adminUsername ?? 'admin';
  const email = env.ADMIN_EMAIL ?? s.answers.email;
  const journaled = s.completed.has('admin');
  const search: CommandSpec = {
    ...composeCommand(s, searchUserArgs(username)),
    description: `look for the user "${username}" (again while local mode starts)`,
    poll: true,
  };
  const create: CommandSpec = {
    file: 'POST',
    args: [`http://127.0.0.1:${s.answers.port}/api/v4/users`],
    description: `create the first admin "${username}" through the REST API (the password in the request body, never in a command line)`,
    when: `only when there is no user "${username}" yet`,
  };
  const role: CommandSpec = {
    ...composeCommand(s, systemAdminArgs(username)),
    description: 'make sure of its system admin role (mmctl in local mode, only the username in its argv)',
    when: 'only when the new account is not a system admin yet',
  };
  const verify: CommandSpec = {
    ...composeCommand(s, verifyEmailArgs(username)),
    description: "mark the first admin's email verified",
    when: 'only when it is not verified yet',
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
    commands: journaled ? [login] : [search, create, role, verify, login],
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
          io.output(`Creating "${username}" (POST /api/v4/users on 127.0.0.1:${ctx.answers.port})`);
          const made = await createUser(ctx.http, ctx.answers.port, { email, username, password }, io.signal);
          if (!made.ok) {
            const closed = made.status === 403 || made.status === 501;
            throw new WizardError(
              closed
                ? `Mattermost refused to create the first admin "${username}": ${made.detail}. Someone already has an account on this server, so sign-up is closed.`
                : `Mattermost could not create the first admin "${username}": ${made.detail}.`,
              closed
                ? `See who: cd ${ctx.files.real(ctx.projectDir)} && docker compose exec ${SERVICE} mmctl --local user list. If that account is yours, give it the admin role (mmctl --local roles system-admin NAME) and set ADMIN_USERNAME and ADMIN_PASSWORD in ${ctx.files.real(envPath)} to its login; then run the same install again.`
                : 'Read the server log (docker compose logs mattermost), then run the same install again.',
            );
          }
          // The first account of a server is its system admin already; any other one is made one here.
          if (!made.roles.split(/\s+/).includes('system_admin')) {
            io.output(`Making "${username}" a system admin (mmctl --local roles system-admin)`);
            await mmctlOrFail(ctx, io, role, 'give the first admin its role');
          }
          if (!made.emailVerified) {
            io.output(`Marking the email of "${username}" verified (mmctl --local user verify)`);
            await mmctlOrFail(ctx, io, verify, "verify the first admin's email");
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
