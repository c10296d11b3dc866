/** The streams and exit codes a command works with, so commands are testable in-process. */

export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
}

/** Exit codes shared by every subcommand. */
export const ExitCode = {
  ok: 0,
  /** The input was read but is wrong: invalid manifests, failed checks. */
  failed: 1,
  /** The command could not run: bad flags, unreadable files. */
  usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake in how the command was invoked or what it could read; exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
