import type { CheckOutcome } from '../../core/checks.js';
import type { InstallAnswers, Platform } from '../../core/platform.js';
import {
  dataDirQuestion,
  domainQuestion,
  nextQuestion,
  platformOf,
  portQuestion,
  type QuestionInput,
  type QuestionStep,
  willAsk,
} from '../../core/questions.js';
import { runChecks } from '../../engine/run-checks.js';
import type { InstallRecord } from '../../system/state.js';
import type { Deps } from '../deps.js';
import { composeAnswers, dataDirContext, type Resolved } from './answers.js';
import { platformChecks } from './checks.js';
import { capped } from './limits.js';
import { type InstallReleases, withReleases } from './releases.js';

type Screens = typeof import('../../ui/screens.js');

/** What the questions settled: the answers, and the checks already judged on the way (shown, not run again). */
export interface Asked {
  values: Record<string, string>;
  early: CheckOutcome[];
}

/** A check that runs as soon as the answers it reads are settled. */
interface Gate {
  id: string;
  /** Answers the check reads; it waits until none of them will still be asked. */
  needs: string[];
  /** What the check's verdict depends on: it runs again only when this changes. */
  inputs: (a: InstallAnswers, platform: Platform) => unknown;
}

const GATES: Gate[] = [
  { id: 'memory', needs: ['platform'], inputs: (a) => a.platform },
  {
    id: 'ports',
    needs: ['platform'],
    inputs: (a, p) => [
      a.platform,
      a.port,
      a.tls,
      ...(p.requirements.hostPorts ?? []).map((h) => a.extra[h.key]),
    ],
  },
  { id: 'dns', needs: ['platform', 'domain'], inputs: (a) => [a.domain, a.tls] },
  { id: 'disk', needs: ['platform', 'dataDir'], inputs: (a) => [a.platform, a.dataDir] },
];

/** A question a failed check asks, and what its answer does. */
interface Fix {
  step: QuestionStep;
  apply: (answer: string) => void;
}

/**
 * The interactive questions, one terminal owner at a time: an @inquirer prompt per question (Esc goes back one),
 * and each of the platform's checks right after the answers it reads (memory once the platform is known, the
 * ports then, DNS after the domain, disk after the data directory), drawn by Ink between two prompts. A failure
 * asks again for what can fix it (another port, another data directory, another platform), or whether to check
 * again or go on anyway; a flag that does not apply to the platform picked is refused (exit 2).
 */
export async function askQuestions(
  deps: Deps,
  screens: Pick<Screens, 'askOne' | 'showChecks'>,
  resolved: Resolved,
  fromRecord: InstallRecord | undefined,
  hooks: {
    /** The version question's release lists (feed, cache or shipped), fetched while the server was checked. */
    releaseLists?: Promise<Map<string, InstallReleases>> | undefined;
    /** Told the platform and release once the answers settle them (their images are pulled meanwhile). */
    known?: (platform: string, version: string | undefined) => void;
  } = {},
): Promise<Asked> {
  const { term } = deps;
  const lists = hooks.releaseLists ? await hooks.releaseLists : undefined;
  for (const [id, list] of lists ?? []) deps.platforms = withReleases(deps.platforms, id, list.releases);
  const values: Record<string, string> = {};
  const history: string[] = [];
  const previous: Record<string, string> = {};
  const reask = new Set<string>();
  const judged = new Map<string, { inputs: string; outcome: CheckOutcome }>();
  const ignored = new Set(resolved.ignoreChecks);
  const input = (): QuestionInput => ({
    platforms: deps.platforms,
    given: resolved.answers,
    record: fromRecord,
    yes: resolved.yes,
    reask,
    dataDir: dataDirContext(deps),
    ...(lists ? { releases: lists } : {}),
  });
  const forget = (key: string) => {
    delete values[key];
    const i = history.lastIndexOf(key);
    if (i !== -1) history.splice(i, 1);
  };

  /** Runs the checks whose answers are settled; returns the question a failure asks, if any. */
  const gates = async (): Promise<Fix | undefined> => {
    if (resolved.yes || !platformOf(values, input())) return undefined;
    // The platform picked judges every flag given before it (exit 2 for one that does not apply).
    const { platform, answers, record } = await composeAnswers(deps, resolved, fromRecord, values, {
      quiet: true,
    });
    for (const gate of GATES) {
      if (gate.needs.some((k) => willAsk(k, values, input()))) continue;
      const key = JSON.stringify(gate.inputs(answers, platform));
      if (judged.get(gate.id)?.inputs === key) continue;
      const { checks, checkInput } = platformChecks(deps, platform, answers, record);
      const check = checks.find((c) => c.id === gate.id);
      if (!check) continue;
      const [outcome] = await screens.showChecks(term, undefined, [check], (onResult) =>
        runChecks([check], deps.probe, checkInput, { ignore: [...ignored], onResult, timeoutMs: 20_000 }),
      );
      if (!outcome) continue;
      if (outcome.status !== 'fail' || outcome.ignored) {
        judged.set(gate.id, { inputs: key, outcome });
        continue;
      }
      judged.delete(gate.id);
      return fixFor(deps, gate.id, platform, answers, record, { values, history, forget, reask, ignored });
    }
    return undefined;
  };

  /** The platform and release are settled (answered, given, or the default to come): their images can come. */
  const settled = () => {
    const platform = platformOf(values, input());
    if (platform && !willAsk('version', values, input()))
      hooks.known?.(platform.id, values.version ?? resolved.answers.version ?? fromRecord?.release);
  };

  let hinted = false;
  for (;;) {
    settled();
    const fix = await gates();
    const step = fix?.step ?? nextQuestion(values, input());
    if (!step) break;
    if (!hinted) {
      term.stderr.write('Enter takes the answer (or the default shown); Esc goes back one question.\n');
      hinted = true;
    }
    // Back at a question: the answer given before is its default (a check's question has its own).
    const last = fix ? undefined : previous[step.key];
    // Every answer is capped in length (a pasted file is refused, not held), and one bound for an env file is
    // refused when no env file can carry it.
    const asked = { ...step, validate: capped(step.validate, step.envBound === true) };
    const answer = await screens.askOne(term, last !== undefined ? { ...asked, initial: last } : asked);
    if (typeof answer !== 'string') {
      const back = history.pop();
      if (back) {
        previous[back] = values[back] as string;
        delete values[back];
      }
      continue;
    }
    if (fix) fix.apply(answer);
    else {
      values[step.key] = answer;
      history.push(step.key);
    }
  }
  return { values, early: [...judged.values()].map((j) => j.outcome) };
}

interface LoopState {
  values: Record<string, string>;
  history: string[];
  forget: (key: string) => void;
  reask: Set<string>;
  ignored: Set<string>;
}

/** What a failed check asks: the answer that can fix it, else whether to check again or go on anyway. */
async function fixFor(
  deps: Deps,
  id: string,
  platform: Platform,
  answers: InstallAnswers,
  record: InstallRecord | undefined,
  s: LoopState,
): Promise<Fix> {
  /** Asks `step.key` again (over a flag's value too); the answer is judged by the check again. */
  const askAgain = (step: QuestionStep): Fix => {
    s.forget(step.key);
    s.reask.add(step.key);
    return {
      step,
      apply: (v) => {
        s.values[step.key] = v;
        s.history.push(step.key);
      },
    };
  };
  if (id === 'memory')
    return {
      step: {
        key: '!memory',
        kind: 'select',
        message: `${platform.title} needs more memory than this server has. What now?`,
        choices: [
          { value: 'platform', name: 'Choose another platform' },
          {
            value: 'ignore',
            name: `Install ${platform.title} anyway`,
            description: 'as --ignore-check memory',
          },
        ],
      },
      apply: (v) => {
        if (v === 'ignore') s.ignored.add('memory');
        else {
          s.forget('platform');
          s.reask.add('platform');
        }
      },
    };
  // A repair keeps its ports (its own containers hold them); a new install can move the app port and its own.
  if (id === 'ports' && !record) {
    // The ports that can move: the app port, and the platform's other host ports (e.g. MongoDB's).
    const movable = [
      { key: 'port', what: 'App port', port: answers.port, none: false },
      ...(platform.requirements.hostPorts ?? []).map((hp) => ({
        key: hp.key,
        what: `${hp.what} port`,
        port: Number(answers.extra[hp.key] ?? hp.default),
        none: true,
      })),
    ];
    for (const m of movable) {
      if (!Number.isInteger(m.port) || !(await deps.probe.portHolder(m.port))) continue;
      let free = m.port + 1;
      while (free < 65535 && (await deps.probe.portHolder(free))) free++;
      return askAgain(
        portQuestion({ key: m.key, what: m.what, initial: String(free), tls: answers.tls, none: m.none }),
      );
    }
  }
  if (id === 'disk' && !record)
    return askAgain(dataDirQuestion(platform, dataDirContext(deps), answers.name));
  if (id === 'dns') return askAgain(domainQuestion(answers.tls));
  return {
    step: {
      key: `!${id}`,
      kind: 'select',
      message: 'What now?',
      choices: [
        { value: 'again', name: 'Check again', description: 'once it is fixed (e.g. in another terminal)' },
        { value: 'ignore', name: 'Go on anyway', description: `as --ignore-check ${id}` },
      ],
    },
    apply: (v) => {
      if (v === 'ignore') s.ignored.add(id);
    },
  };
}
