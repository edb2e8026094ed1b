import { Writable } from 'node:stream';
import type { Archiver } from '../core/backup.js';
import { type BackupHeader, fileMember } from '../core/backup.js';
import { WizardError } from '../core/errors.js';
import type { Platform } from '../core/platform.js';
import { maskUrl } from '../core/redact.js';
import { stepTask } from '../engine/step-task.js';
import { cloneRepo } from '../engine/tasks.js';
import type { InstallRecord } from '../system/state.js';
import type { Deps } from './deps.js';
import { recordContext, taskList } from './task-list.js';

/**
 * A restore on a server without the install (a server move): the install runs first, through its own command,
 * at the backup's release with the backup's answers, after the backup's env files were put in place so it keeps
 * their secrets (the database password among them) instead of generating new ones. For a platform installed from
 * a clone, the clone comes first (the install then finds it and its env file). The install's summary is not
 * printed: its first admin is the one the restored data brings back.
 */
export async function installFromBackup(
  deps: Deps,
  platform: Platform,
  header: BackupHeader,
  staging: string,
  archiver: Archiver,
  opts: { repoUrl?: string; offline?: boolean; ignoreCheck?: string[] },
): Promise<InstallRecord> {
  const h = header.install;
  const repoUrl = opts.repoUrl ?? h.repoUrl;
  const record: InstallRecord = {
    ...h,
    repoUrl,
    project: deps.env.projectName(h.name),
    status: 'installing',
    journal: {},
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
  // Recorded first: the folder the clone and the backup's env files go into is then this install's own, which
  // the install's data-dir check asks of a folder that is not empty.
  await deps.state().put(record);
  const base = recordContext(deps, record, platform);
  if (platform.repo) {
    deps.term.stderr.write(`Cloning ${maskUrl(repoUrl)} for ${h.name}\n`);
    const ctx = { ...base, answers: { ...base.answers, repoUrl } };
    // The clone step as the install declares it; on a new server there is no clone yet (the data dir may be).
    const clone = cloneRepo({
      ...ctx,
      planFiles: [],
      existing: {},
      existingPaths: new Set((await deps.files.exists(record.dataDir)) ? [record.dataDir] : []),
      completed: new Set(),
    });
    await (await taskList([stepTask(clone)], ctx, deps.term, (t) => deps.log.redact(t))).run();
  }
  const envFiles = platform.upgrade?.backup?.envFiles(base.answers) ?? [];
  for (const path of envFiles) {
    const content = await archiver.readText(`${staging}/${fileMember(path)}`);
    if (content === undefined) continue;
    await deps.files.write({
      kind: 'file',
      path,
      mode: 0o600,
      owner: { uid: 0, gid: 0 },
      secret: true,
      content,
      description: 'restored before the install',
    });
  }
  const flags: Record<string, unknown> = {
    platform: h.platform,
    name: h.name,
    domain: h.domain,
    email: h.email,
    version: h.release,
    dataDir: h.dataDir,
    tls: h.tls,
    // The platform's own port is its default (the relay's 443 is no answer a flag takes).
    ...(h.port !== platform.defaultPort ? { port: String(h.port) } : {}),
    ...(repoUrl ? { repoUrl } : {}),
    yes: true,
    ...(opts.offline ? { offline: true } : {}),
    ...(opts.ignoreCheck?.length ? { ignoreCheck: opts.ignoreCheck } : {}),
    ...Object.fromEntries(
      Object.entries(h.extra).filter(([k]) => platform.questions.some((q) => q.key === k && !q.secret)),
    ),
  };
  deps.term.stderr.write(
    `Installing ${platform.title} ${h.release} as ${h.name}, with the backup's answers and secrets\n`,
  );
  const { installCommand } = await import('./install.js');
  const quiet = Object.assign(new Writable({ write: (_c, _e, cb) => cb() }), {
    isTTY: false,
  }) as unknown as NodeJS.WriteStream;
  await installCommand(flags, { ...deps, term: { ...deps.term, stdout: quiet } });
  const installed = deps.state().get(h.name);
  if (installed?.status !== 'installed')
    throw new WizardError(
      `The install of ${h.name} did not finish; nothing of the backup's data was put back.`,
    );
  return installed;
}
