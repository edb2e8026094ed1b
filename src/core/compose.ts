import type { FileStore, RunOptions } from './context.js';

/** argv for `docker compose` on an install's project, with explicit project name, directory and files. */
export function composeCommand(
  ctx: { project: string; projectDir: string; composeFiles: string[]; files: Pick<FileStore, 'real'> },
  args: string[],
): RunOptions {
  const dir = ctx.files.real(ctx.projectDir);
  return {
    file: 'docker',
    args: [
      'compose',
      '--project-name',
      ctx.project,
      '--project-directory',
      dir,
      ...ctx.composeFiles.flatMap((f) => ['-f', f]),
      ...args,
    ],
    cwd: dir,
  };
}

export interface ComposeContainer {
  /** The short container id Compose prints. */
  id?: string;
  service: string;
  name: string;
  state: string;
  health: string;
  status: string;
  exitCode?: number;
}

/** Parses `docker compose ps --format json` (one JSON object per line in Compose >= 2.21, an array before). */
export function parseComposePs(stdout: string): ComposeContainer[] {
  const text = stdout.trim();
  if (text === '') return [];
  const rows: Record<string, unknown>[] = text.startsWith('[')
    ? (JSON.parse(text) as Record<string, unknown>[])
    : text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
  return rows.map((r) => ({
    ...(typeof r.ID === 'string' && r.ID ? { id: r.ID } : {}),
    service: String(r.Service ?? ''),
    name: String(r.Name ?? ''),
    state: String(r.State ?? ''),
    health: String(r.Health ?? ''),
    status: String(r.Status ?? ''),
    ...(typeof r.ExitCode === 'number' ? { exitCode: r.ExitCode } : {}),
  }));
}

/** A value written into a compose file: `$` doubled, so Compose's interpolation leaves it literal. */
export function composeLiteral(value: string): string {
  return value.replace(/\$/g, '$$$$');
}
