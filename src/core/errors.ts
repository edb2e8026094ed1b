/** Typed errors. Only src/cli.tsx turns them into an exit code; everything else throws. */

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  prerequisites: 3,
  /** A download failed its signature or checksum (a release): refused, nothing was run or changed. */
  untrusted: 5,
  cancelled: 130,
} as const;

export class WizardError extends Error {
  readonly exitCode: number = ExitCode.failed;
  constructor(
    message: string,
    readonly remedy?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad input: a flag, an answer, an answers file. Nothing has been changed. Exit 2. */
export class UserError extends WizardError {
  override readonly exitCode: number = ExitCode.usage;
}

/** A prerequisite check failed and was not ignored. Exit 3. */
export class PrerequisiteError extends WizardError {
  override readonly exitCode: number = ExitCode.prerequisites;
}

/** A download is unsigned, or does not match its signature or checksum. Nothing was run or changed. Exit 5. */
export class UntrustedError extends WizardError {
  override readonly exitCode: number = ExitCode.untrusted;
}

/** A command run through the runner exited non-zero. */
export class CommandFailedError extends WizardError {
  constructor(
    readonly command: string,
    readonly code: number | undefined,
    readonly stderrTail: string,
    remedy?: string,
    /** The cause read from the output (failures.ts), e.g. "Can't reach the Docker daemon". */
    readonly summary?: string,
  ) {
    super(
      `Error from \`${command}\`${code === undefined ? '' : ` (exit code ${code})`}${summary ? `: ${summary}` : ''}`,
      remedy,
    );
  }
}

/** Ctrl-C, a signal, or "no" at the review. Exit 130 unless a signal says otherwise. */
export class CancelledError extends WizardError {
  override readonly exitCode: number;
  constructor(message = 'Cancelled', exitCode: number = ExitCode.cancelled) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** A step of the task tree failed: says which, keeps the cause. */
export class StepFailedError extends WizardError {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
    remedy?: string,
  ) {
    // A failed command's last output lines follow (the banner shows them dimmed): the cause in its own words.
    const tail =
      cause instanceof CommandFailedError && cause.stderrTail.trim()
        ? `\n${cause.stderrTail.trim().split('\n').slice(-5).join('\n')}`
        : '';
    super(`Step failed: ${step}: ${cause instanceof Error ? cause.message : String(cause)}${tail}`, remedy);
  }
}

export function isWizardError(e: unknown): e is WizardError {
  return e instanceof WizardError;
}
