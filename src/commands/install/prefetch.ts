import type { CommandRunner, Logger } from '../../core/context.js';
import type { InstallAnswers, Platform } from '../../core/platform.js';
import { releaseFor } from '../../core/release-feed.js';

/**
 * The images of the chosen release, pulled in the background from the moment the platform and the release are
 * known (while the other questions, the checks and the review go on), so that a first install's wait after "yes"
 * excludes most of the download: the install's own pull step then finds them (Docker joins a pull already under
 * way). Never under --offline or --dry-run; it never fails the install (the pull step reports a registry that
 * does not answer), and it stops with the install (a "no" at the review, Ctrl-C).
 */
export class ImagePrefetch {
  private readonly started = new Set<string>();
  private readonly controller = new AbortController();
  private readonly pulls: Promise<void>[] = [];

  constructor(
    private readonly deps: { runner: CommandRunner; log: Logger },
    private readonly enabled: boolean,
  ) {}

  /** The platform and release are known (an answer, a flag, or the default): pull their images, each once. */
  known(platform: Platform, answers: Pick<InstallAnswers, 'version' | 'extra'>): void {
    if (!this.enabled || this.controller.signal.aborted || !answers.version) return;
    const release = releaseFor(platform.releases, answers.version, platform.upgrade?.feed);
    for (const image of platform.images?.(answers, release) ?? []) {
      if (this.started.has(image)) continue;
      this.started.add(image);
      this.deps.log.info(`prefetch: pulling ${image} in the background`);
      this.pulls.push(
        this.deps.runner
          .run(
            { file: 'docker', args: ['pull', '--quiet', image], reject: false, timeoutMs: 3_600_000 },
            { signal: this.controller.signal },
          )
          .then(
            (r) =>
              this.deps.log.info(`prefetch: ${image}: ${r.exitCode === 0 ? 'pulled' : `exit ${r.exitCode}`}`),
            () => this.deps.log.info(`prefetch: ${image}: stopped`),
          ),
      );
    }
  }

  /** The images asked for so far. */
  get images(): string[] {
    return [...this.started];
  }

  /** Stops the pulls still running (the install ended or was cancelled). */
  stop(): void {
    this.controller.abort();
  }

  /** Resolves when every pull started so far has ended (tests, and a caller that wants to wait). */
  async settled(): Promise<void> {
    await Promise.all(this.pulls);
  }
}
