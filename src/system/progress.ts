import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withoutSeconds } from '../core/text.js';

/**
 * A mutating run's progress where others can read it: STATE_DIR/run-progress.json (0600, written atomically)
 * and the run's own log. `wizard status` shows it; a second `wizard` started meanwhile follows it while it waits
 * for the lock; after a dropped SSH session it is how the run is watched (the terminal is gone).
 */

export interface ProgressTask {
  title: string;
  state: 'started' | 'done' | 'failed' | 'skipped';
  detail?: string;
  at: string;
}

export interface RunProgressRecord {
  pid: number;
  command: string;
  /** What the run does, e.g. "install rocketchat (Rocket.Chat 8.0.1)". */
  title: string;
  log: string;
  startedAt: string;
  updatedAt: string;
  tasks: ProgressTask[];
  /** The newest output of the running task (a wait's last answer). */
  output?: { task: string; line: string; at: string };
  ended?: { ok: boolean; message: string; at: string };
}

export const progressPath = (stateDir: string) => join(stateDir, 'run-progress.json');

/** The progress file, or undefined (none, unreadable). */
export function readProgress(stateDir: string): RunProgressRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(progressPath(stateDir), 'utf8')) as RunProgressRecord;
    return typeof r.pid === 'number' && Array.isArray(r.tasks) ? r : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the run that wrote a progress file still runs (its pid, and it has not said it ended). */
export function progressAlive(r: RunProgressRecord | undefined): boolean {
  if (!r || r.ended) return false;
  try {
    process.kill(r.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// listr2's task objects, as far as the progress reads them.
interface ObservedTask {
  id: string;
  title?: string;
  hasTitle(): boolean;
  on(event: string, listener: (payload: never) => void): void;
}

const LOG_OUTPUT_EVERY_MS = 10_000;
const FILE_OUTPUT_EVERY_MS = 1000;

export class RunProgress {
  private record: RunProgressRecord;
  private readonly index = new Map<string, number>();
  private fileWritten = 0;

  constructor(
    private readonly stateDir: string,
    command: string,
    private readonly log: { path: string; info(m: string): void; redact?(t: string): string },
    private readonly now: () => number = Date.now,
  ) {
    const at = new Date(now()).toISOString();
    this.record = {
      pid: process.pid,
      command,
      title: command,
      log: log.path,
      startedAt: at,
      updatedAt: at,
      tasks: [],
    };
  }

  /** Starts a run (or the next step of one, e.g. an upgrade's next release): its title, tasks from scratch. */
  begin(title: string): void {
    this.record = { ...this.record, title, tasks: [], updatedAt: this.iso() };
    this.index.clear();
    delete this.record.output;
    delete this.record.ended;
    this.log.info(`progress: ${title}`);
    this.write();
  }

  /** Follows a listr2 task list's events (the same ones its renderers read). */
  observe(tasks: unknown[]): void {
    for (const task of tasks as ObservedTask[]) {
      let started = this.now();
      let logged = started;
      task.on('SUBTASK', ((subtasks: unknown[]) => this.observe(subtasks)) as never);
      task.on('STATE', ((state: string) => {
        if (!task.hasTitle()) return;
        if (state === 'STARTED') {
          started = this.now();
          logged = started;
          this.set(task, 'started');
        } else if (state === 'COMPLETED') this.set(task, 'done');
      }) as never);
      task.on('MESSAGE', ((m: { error?: string; skip?: string }) => {
        if (m.error) this.set(task, 'failed', m.error);
        else if (m.skip) this.set(task, 'skipped', m.skip);
      }) as never);
      task.on('OUTPUT', ((output: string) => {
        const line = this.clean(String(output));
        this.record.output = { task: task.title ?? '', line, at: this.iso() };
        const t = this.now();
        if (t - logged >= LOG_OUTPUT_EVERY_MS) {
          logged = t;
          this.log.info(
            `progress: still waiting (${Math.round((t - started) / 1000)} s): ${withoutSeconds(line)}`,
          );
        }
        if (t - this.fileWritten >= FILE_OUTPUT_EVERY_MS) this.write();
      }) as never);
    }
  }

  /** The run ended: how, in one line. */
  end(ok: boolean, message: string): void {
    this.record.ended = { ok, message: this.clean(message.split('\n')[0] ?? ''), at: this.iso() };
    this.log.info(`progress: ended (${ok ? 'done' : 'failed'}): ${this.record.ended.message}`);
    this.write();
  }

  private set(task: ObservedTask, state: ProgressTask['state'], detail?: string): void {
    const entry: ProgressTask = {
      title: this.clean(task.title ?? ''),
      state,
      ...(detail ? { detail: this.clean(detail.split('\n')[0] ?? '') } : {}),
      at: this.iso(),
    };
    const i = this.index.get(task.id);
    if (i === undefined) {
      this.index.set(task.id, this.record.tasks.length);
      this.record.tasks.push(entry);
    } else this.record.tasks[i] = entry;
    if (state !== 'started') delete this.record.output;
    const mark = { started: '❯', done: '✔', failed: '✖', skipped: '↓' }[state];
    this.log.info(`progress: ${mark} ${entry.title}${entry.detail ? ` [${entry.detail}]` : ''}`);
    this.write();
  }

  private clean(text: string): string {
    return this.log.redact ? this.log.redact(text) : text;
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  private write(): void {
    this.record.updatedAt = this.iso();
    this.fileWritten = this.now();
    const path = progressPath(this.stateDir);
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, `${JSON.stringify(this.record, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, path);
    } catch {
      // Progress that can't be written must never stop the run (the log has it).
    }
  }
}
