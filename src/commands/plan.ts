import { randomBytes } from 'node:crypto';
import { proxy } from '../../steps/index.js';
import type { FileStore } from '../core/context.js';
import { type FileSpec, formatCommand, formatMode, type Plan } from '../core/plan.js';
import type { InstallAnswers, PlanInput, Platform } from '../core/platform.js';
import { generatePassword } from '../core/secrets.js';
import { type Step, stepCommands } from '../core/step.js';
import type { ReviewProps } from '../ui/Review.js';

export interface PlanDeps {
  files: FileStore;
  templates: (name: string) => string;
  hostPath: (p: string) => string;
  project: string;
  proxyProject: string;
  /** Steps an earlier run of this install finished (its journal). */
  completed?: ReadonlySet<string>;
}

export interface BuiltPlan {
  plan: Plan;
  /** The install's steps: what the review lists, the dry run names and the run executes. */
  steps: Step[];
  existing: Record<string, string | undefined>;
  existingDirs: Set<string>;
}

/**
 * Reads what exists at the plan's paths, then builds the plan (pure platform functions) from it: the files, and
 * the steps that write them and run the commands.
 */
export async function buildPlan(
  platform: Platform,
  answers: InstallAnswers,
  deps: PlanDeps,
): Promise<BuiltPlan> {
  const input = planInput(answers, deps);
  const filesOf = (i: PlanInput) => filesOfPlan(platform, answers, i);
  const existing: Record<string, string | undefined> = {};
  const existingDirs = new Set<string>();
  for (const f of filesOf(input({}))) {
    if (f.kind === 'file') existing[f.path] = await deps.files.readText(f.path);
    else if (await deps.files.exists(f.path)) existingDirs.add(f.path);
  }
  const files = filesOf(input(existing));
  // What the steps decide on before the run: the env file the summary reads (e.g. a stored owner), the system
  // users, whether the data dir and a clone in it exist.
  const facts: Record<string, string | undefined> = { ...existing };
  for (const path of [platform.envFile?.(answers), '/etc/passwd', '/etc/group'])
    if (path && !(path in facts)) facts[path] = await deps.files.readText(path);
  const existingPaths = new Set(existingDirs);
  for (const path of [answers.dataDir, `${answers.dataDir}/.git`])
    if (await deps.files.exists(path)) existingPaths.add(path);
  const steps = platform.install({
    answers,
    platform,
    project: deps.project,
    proxyProject: deps.proxyProject,
    projectDir: answers.dataDir,
    composeFiles: platform.composeFiles,
    files: deps.files,
    planFiles: files,
    existing: facts,
    existingPaths,
    completed: deps.completed ?? new Set(),
  });
  return { plan: { files, commands: stepCommands(steps) }, steps, existing, existingDirs };
}

const planInput =
  (answers: InstallAnswers, deps: Pick<PlanDeps, 'templates' | 'project' | 'hostPath'>) =>
  (existing: Record<string, string | undefined>): PlanInput => ({
    answers,
    existing,
    templates: deps.templates,
    project: deps.project,
    hostPath: deps.hostPath,
    generateSecret: () => generatePassword(randomBytes, 24),
  });

const filesOfPlan = (platform: Platform, answers: InstallAnswers, i: PlanInput): FileSpec[] => [
  ...platform.files(i),
  ...(answers.tls === 'none' || platform.ownTls
    ? []
    : proxy.files(i, {
        title: platform.title,
        locations: platform.proxyLocations?.(answers) ?? [{ path: '/', port: answers.port }],
      })),
];

/**
 * The files an install's plan holds, as declared before anything is read (the paths `buildPlan` reads first):
 * their paths, kinds, owners and which hold secrets, without a read. Their contents are not the real ones.
 */
export function declaredFiles(
  platform: Platform,
  answers: InstallAnswers,
  deps: Pick<PlanDeps, 'templates' | 'project' | 'hostPath'>,
): FileSpec[] {
  return filesOfPlan(platform, answers, planInput(answers, deps)({}));
}

export function reviewProps(
  platform: Platform,
  answers: InstallAnswers,
  built: Pick<BuiltPlan, 'plan' | 'existing' | 'existingDirs'>,
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
            `127.0.0.1: ${platform.requirements.hostPorts.map((h) => `${h.what} ${answers.extra[h.key] === 'none' ? 'not published' : (answers.extra[h.key] ?? h.default)}`).join(', ')}`,
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
        // An optional answer left empty says nothing.
        if ((q?.when && !q.when(answers.extra)) || v === '') return [];
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
    commands: plan.commands.map((c) => ({
      command: formatCommand(c),
      // Arguments only known at run time (the rest's services of a staged start) are named in words.
      description: c.extraArgs ? `${c.description}; its arguments end with ${c.extraArgs}` : c.description,
      ...(c.when ? { when: c.when } : {}),
    })),
    notes,
    dryRun,
    full: dryRun,
  };
}
