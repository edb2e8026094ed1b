import { PROXY_DIR, proxyFiles } from '../../steps/proxy/index.js';
import { composeCommand } from '../core/compose.js';
import type { FileStore } from '../core/context.js';
import { type CommandSpec, formatCommand, formatMode, type Plan } from '../core/plan.js';
import type { InstallAnswers, PlanInput, Platform } from '../core/platform.js';
import { generatePassword } from '../core/secrets.js';
import { startCommands } from '../core/start.js';
import type { ReviewProps } from '../ui/Review.js';

export interface PlanDeps {
  files: FileStore;
  templates: (name: string) => string;
  hostPath: (p: string) => string;
  project: string;
  proxyProject: string;
}

/** Reads what exists at the plan's paths, then builds the plan (pure platform functions) from it. */
export async function buildPlan(
  platform: Platform,
  answers: InstallAnswers,
  deps: PlanDeps,
): Promise<{ plan: Plan; existing: Record<string, string | undefined>; existingDirs: Set<string> }> {
  const input = (existing: Record<string, string | undefined>): PlanInput => ({
    answers,
    existing,
    templates: deps.templates,
    project: deps.project,
    hostPath: deps.hostPath,
    generateSecret: () => generatePassword(24),
  });
  const filesOf = (i: PlanInput) => [
    ...platform.files(i),
    ...(answers.tls === 'none' || platform.ownTls
      ? []
      : proxyFiles(i, {
          title: platform.title,
          locations: platform.proxyLocations?.(answers) ?? [{ path: '/', port: answers.port }],
        })),
  ];
  const existing: Record<string, string | undefined> = {};
  const existingDirs = new Set<string>();
  for (const f of filesOf(input({}))) {
    if (f.kind === 'file') existing[f.path] = await deps.files.readText(f.path);
    else if (await deps.files.exists(f.path)) existingDirs.add(f.path);
  }
  const i = input(existing);
  const files = filesOf(i);
  const ctxLike = {
    project: deps.project,
    projectDir: answers.dataDir,
    composeFiles: platform.composeFiles,
    files: deps.files,
  };
  const dir = deps.files.real(answers.dataDir);
  const cloned = await deps.files.exists(`${answers.dataDir}/.git`);
  const commands: CommandSpec[] = [];
  if (platform.repo) {
    commands.push(
      cloned
        ? {
            file: 'git',
            args: ['-C', dir, 'merge', '--ff-only', `origin/${platform.repo.branch}`],
            description: 'update the existing clone when it is clean',
          }
        : {
            file: 'git',
            args: ['clone', '--branch', platform.repo.branch, answers.repoUrl, dir],
            description: 'clone the compose repository',
          },
    );
  }
  if (answers.tls !== 'none' && !platform.ownTls) {
    const pdir = deps.files.real(PROXY_DIR);
    commands.push({
      file: 'docker',
      args: ['compose', '--project-name', deps.proxyProject, '-f', `${pdir}/compose.yml`, 'up', '-d'],
      cwd: pdir,
      description: 'start the shared proxy',
    });
  }
  const own = platform.commands(i);
  const ownAt = (phase: CommandSpec['phase']) =>
    own.filter((c) => c.phase === phase).map(({ phase: _, ...c }) => c);
  commands.push(...ownAt('before-up'));
  if (!answers.offline) commands.push({ ...composeCommand(ctxLike, ['pull']), description: 'pull images' });
  // A platform that starts in stages (e.g. database first, then migrations) lists its own start commands.
  const start = ownAt('start');
  if (start.length > 0) commands.push(...start);
  // The shared compose-up: the platform's start order (e.g. its database first), then the rest.
  else commands.push(...startCommands(ctxLike, platform, answers.offline));
  commands.push(...ownAt(undefined));
  commands.push(
    platform.readiness.health
      ? {
          ...composeCommand(ctxLike, ['ps', platform.readiness.service]),
          description: `until the ${platform.readiness.service} container is healthy (its log shows the progress)`,
        }
      : {
          file: 'GET',
          args: [`http://127.0.0.1:${answers.port}${platform.readiness.path}`],
          description: `until ${platform.title} ${answers.version} answers`,
        },
  );
  commands.push(...ownAt('after-ready'));
  return { plan: { files, commands }, existing, existingDirs };
}

export function reviewProps(
  platform: Platform,
  answers: InstallAnswers,
  built: { plan: Plan; existing: Record<string, string | undefined>; existingDirs: Set<string> },
  deps: Pick<PlanDeps, 'files'>,
  notes: string[],
  dryRun: boolean,
): ReviewProps {
  const { plan, existing, existingDirs } = built;
  const rows: [string, string][] = [
    ['Platform', `${platform.title} ${answers.version}`],
    ['Domain', answers.domain],
    ['Email', answers.email],
    platform.ownTls
      ? [
          'TLS',
          `${answers.tls === 'selfsigned' ? 'self-signed' : "Let's Encrypt"}, by ${platform.title} itself (no shared proxy)`,
        ]
      : [
          'TLS',
          answers.tls === 'none'
            ? `none (app on 127.0.0.1:${answers.port} for your own proxy)`
            : answers.tls === 'selfsigned'
              ? 'self-signed (local CA)'
              : "Let's Encrypt",
        ],
    ['Data directory', deps.files.real(answers.dataDir)],
    platform.ownTls
      ? ['Host ports', platform.requirements.ports(answers).join(', ')]
      : ['App port', `127.0.0.1:${answers.port}`],
    ...(platform.repo ? [['Repository', answers.repoUrl] as [string, string]] : []),
    ['Images', answers.offline ? 'already on this host (--offline)' : 'pulled from their registries'],
    ...(platform.requirements.hostPorts?.length
      ? [
          [
            'Other ports',
            `127.0.0.1: ${platform.requirements.hostPorts.map((h) => `${h.what} ${answers.extra[h.key] ?? h.default}`).join(', ')}`,
          ] as [string, string],
        ]
      : []),
    ...Object.entries(answers.extra)
      .filter(([k]) => !platform.requirements.hostPorts?.some((h) => h.key === k))
      .sort(
        ([a], [b]) =>
          platform.questions.findIndex((q) => q.key === a) - platform.questions.findIndex((q) => q.key === b),
      )
      .flatMap(([k, v]) => {
        const q = platform.questions.find((x) => x.key === k);
        if (q?.when && !q.when(answers.extra)) return [];
        return [
          [q?.message.replace(/:$/, '') ?? k, q?.secret && v ? 'set (not shown)' : v] as [string, string],
        ];
      }),
  ];
  return {
    title: platform.title,
    answers: rows,
    files: plan.files.map((f) => ({
      path: deps.files.real(f.path),
      mode: formatMode(f.secret ? 0o600 : f.mode),
      kind: f.kind,
      description: f.description,
      ...(f.secret ? { secret: true } : {}),
      change:
        f.kind === 'dir'
          ? existingDirs.has(f.path)
            ? 'keep'
            : 'create'
          : existing[f.path] === undefined
            ? 'create'
            : existing[f.path] === f.content
              ? 'keep'
              : 'update',
    })),
    commands: plan.commands.map((c) => ({ command: formatCommand(c), description: c.description })),
    notes,
    dryRun,
  };
}
