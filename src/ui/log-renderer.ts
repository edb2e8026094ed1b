import {
  color,
  LISTR_LOGGER_STYLE,
  type ListrEventManager,
  ListrLogger,
  ListrLogLevels,
  type ListrRenderer,
  ListrTaskEventType,
  ListrTaskState,
} from 'listr2';
import { withoutSeconds } from '../core/text.js';

/**
 * The task list without a terminal (CI logs, `ssh host wizard ... | tee`): one line per task state change (started,
 * done, failed, skipped) and, while a task runs, its latest output as "still waiting (N s): ..." at most every
 * `everyMs` (10 s) instead of a line per output (a wait polls every 100 ms). Output a task marks persistent
 * (information, such as the DNS records to create) is written whole. On a terminal listr2's default renderer stays
 * live.
 */

export const STILL_WAITING_EVERY_MS = 10_000;

export interface LogRendererOptions {
  logger?: ListrLogger;
  /** At most one "still waiting" line per task this often. */
  everyMs?: number;
  now?: () => number;
}

// The task objects listr2 hands its renderers (its Task class is not exported as a value type we can name).
interface RenderedTask {
  title?: string;
  /** A task's own renderer options: `persistentOutput` marks output that is information (DNS records), not progress. */
  rendererTaskOptions?: { persistentOutput?: boolean };
  hasTitle(): boolean;
  on(event: ListrTaskEventType, listener: (payload: never) => void): void;
}

/** A listr2 colour as a logger field format (the logger may pass no text). */
const paint = (c: ((text: string) => string) | undefined) => () => (text?: string) =>
  c ? c(text ?? '') : (text ?? '');

export class LogRenderer implements ListrRenderer {
  static nonTTY = true;
  static rendererOptions: LogRendererOptions = {};
  static rendererTaskOptions: Record<PropertyKey, never> = {};

  private readonly logger: ListrLogger;
  private readonly everyMs: number;
  private readonly now: () => number;

  constructor(
    private readonly tasks: RenderedTask[],
    options: LogRendererOptions,
    _events?: ListrEventManager,
  ) {
    this.logger = options.logger ?? new ListrLogger({ useIcons: true });
    // listr2's own icons and colours (NO_COLOR turns the colours off), as its simple renderer sets them.
    this.logger.options = {
      ...this.logger.options,
      icon: { ...LISTR_LOGGER_STYLE.icon },
      color: { ...LISTR_LOGGER_STYLE.color },
    };
    this.everyMs = options.everyMs ?? STILL_WAITING_EVERY_MS;
    this.now = options.now ?? Date.now;
  }

  render(): void {
    this.watch(this.tasks);
  }

  end(): void {}

  private watch(tasks: RenderedTask[]): void {
    for (const task of tasks) {
      let started = this.now();
      let shown = started;
      task.on(ListrTaskEventType.SUBTASK, ((subtasks: RenderedTask[]) => this.watch(subtasks)) as never);
      task.on(ListrTaskEventType.STATE, ((state: ListrTaskState) => {
        if (!task.hasTitle()) return;
        const title = task.title ?? '';
        if (state === ListrTaskState.STARTED) {
          started = this.now();
          shown = started;
          this.logger.log(ListrLogLevels.STARTED, title);
        } else if (state === ListrTaskState.COMPLETED) this.logger.log(ListrLogLevels.COMPLETED, title);
        else if (state === ListrTaskState.CANCELLED) this.logger.log(ListrLogLevels.CANCELLED, title);
      }) as never);
      task.on(ListrTaskEventType.OUTPUT, ((output: string) => {
        // Information the task shows for good (e.g. the DNS records to create): every line of it.
        if (task.rendererTaskOptions?.persistentOutput) {
          for (const line of String(output).split('\n')) this.logger.log(ListrLogLevels.OUTPUT, line);
          return;
        }
        const t = this.now();
        if (t - shown < this.everyMs) return;
        shown = t;
        this.logger.log(
          ListrLogLevels.OUTPUT,
          `still waiting (${Math.round((t - started) / 1000)} s): ${withoutSeconds(String(output))}`,
        );
      }) as never);
      task.on(ListrTaskEventType.MESSAGE, ((message: {
        error?: string;
        skip?: string;
        rollback?: string;
      }) => {
        const title = task.title ?? '';
        if (message.error)
          this.logger.log(ListrLogLevels.FAILED, title, {
            suffix: { field: `FAILED: ${message.error}`, format: paint(color.red) },
          });
        else if (message.skip)
          this.logger.log(ListrLogLevels.SKIPPED, title, {
            suffix: { field: `SKIPPED: ${message.skip}`, format: paint(color.yellow) },
          });
        else if (message.rollback)
          this.logger.log(ListrLogLevels.ROLLBACK, title, {
            suffix: { field: `ROLLBACK: ${message.rollback}`, format: paint(color.red) },
          });
      }) as never);
    }
  }
}
