import { parseAccounts } from '../core/accounts.js';
import type { InstallContext } from '../core/context.js';
import { WizardError } from '../core/errors.js';
import type { CommandSpec } from '../core/plan.js';
import type { Step, StepInput } from '../core/step.js';

/** uid and gid of a system user, from /etc/passwd under the install's root; undefined when there is none. */
export async function lookupSystemUser(
  ctx: Pick<InstallContext, 'files'>,
  name: string,
): Promise<{ uid: number; gid: number } | undefined> {
  const u = parseAccounts(await ctx.files.readText('/etc/passwd')).find((a) => a.name === name);
  return u ? { uid: u.id, gid: u.gid ?? u.id } : undefined;
}

/**
 * Creates a system user and its group through the runner (groupadd, useradd), unless the user exists: with
 * the wanted uid (and the same gid) where free, else ids the system picks. No home is created and the login
 * shell is nologin. Under WIZARD_ROOT it edits ROOT/etc/passwd and ROOT/etc/group (`--prefix`; seeded with
 * root when missing), never the host's. The plan read both files, so it knows which commands run.
 */
export function ensureSystemUser(
  s: StepInput,
  user: { name: string; uid?: number; home: string; comment?: string },
): Step {
  const prefix = s.files.real('/').replace(/\/+$/, '');
  const seeds = { passwd: 'root:x:0:0:root:/root:/bin/sh\n', group: 'root:x:0:\n' };
  const passwd = parseAccounts(s.existing['/etc/passwd'] ?? (prefix === '' ? '' : seeds.passwd));
  const groups = parseAccounts(s.existing['/etc/group'] ?? (prefix === '' ? '' : seeds.group));
  const title = `Create the system user ${user.name}`;
  const id = `user:${user.name}`;
  const existing = passwd.find((a) => a.name === user.name);
  if (existing)
    return { id, title, done: `System user ${user.name} exists (uid ${existing.id})`, commands: [] };
  const remedy =
    'useradd and groupadd (package passwd or shadow-utils) must work as root; create the user by hand and run the install again.';
  const at = prefix === '' ? [] : ['--prefix', prefix];
  const uidFree = user.uid !== undefined && !passwd.some((a) => a.id === user.uid);
  const gidFree = user.uid !== undefined && !groups.some((a) => a.id === user.uid);
  const groupadd: CommandSpec | undefined = groups.some((g) => g.name === user.name)
    ? undefined
    : {
        file: 'groupadd',
        args: [...at, '--system', ...(gidFree ? ['--gid', String(user.uid)] : []), user.name],
        description: `the ${user.name} group${gidFree ? ` (gid ${user.uid})` : ''}`,
        remedy,
      };
  const useradd: CommandSpec = {
    file: 'useradd',
    args: [
      ...at,
      '--system',
      ...(uidFree ? ['--uid', String(user.uid)] : []),
      '--gid',
      user.name,
      '--home-dir',
      user.home,
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      ...(user.comment ? ['--comment', user.comment] : []),
      user.name,
    ],
    description: `the ${user.name} system user${uidFree ? ` (uid ${user.uid})` : `${user.uid === undefined ? '' : ` (uid ${user.uid} is taken: the system picks one)`}`}`,
    remedy,
  };
  return {
    id,
    title,
    commands: [...(groupadd ? [groupadd] : []), useradd],
    async run(ctx, io) {
      if (prefix !== '') {
        // A staging root: useradd --prefix edits ROOT/etc, which needs at least root's lines.
        if (!(await ctx.files.exists('/etc/passwd')))
          await ctx.files.write({
            kind: 'file',
            path: '/etc/passwd',
            mode: 0o644,
            content: seeds.passwd,
            description: 'users (staging root)',
          });
        if (!(await ctx.files.exists('/etc/group')))
          await ctx.files.write({
            kind: 'file',
            path: '/etc/group',
            mode: 0o644,
            content: seeds.group,
            description: 'groups (staging root)',
          });
      }
      const found = await lookupSystemUser(ctx, user.name);
      if (found) return `System user ${user.name} exists (uid ${found.uid})`;
      if (groupadd) await io.run(groupadd);
      await io.run(useradd);
      const made = await lookupSystemUser(ctx, user.name);
      if (!made)
        throw new WizardError(
          `useradd did not add ${user.name} to ${ctx.files.real('/etc/passwd')}.`,
          remedy,
        );
      return `Created the system user ${user.name} (uid ${made.uid}${user.uid === undefined || made.uid === user.uid ? '' : `: ${user.uid} was taken`})`;
    },
  };
}
