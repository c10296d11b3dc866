/**
 * Runs git plumbing commands. Never interactive (no prompt for a password or a host key),
 * never touches a working tree, and every message it produces passes through the caller's
 * redaction, so a credential in a remote's URL cannot reach a log line.
 */

import { spawn } from 'node:child_process';

export interface GitCommandOptions {
  /** The repository (`--git-dir`); absent for commands that take none, such as `init`. */
  gitDir?: string;
  /** Written to the command's stdin. */
  input?: string;
  /** Added to the environment, e.g. `GIT_CONFIG_*` to pass a remote URL off the command line. */
  env?: Readonly<Record<string, string>>;
  /** Exit codes that are answers rather than failures (e.g. 1 for "no such ref"). */
  allowExitCodes?: readonly number[];
  redact?: (text: string) => string;
}

export interface GitResult {
  exitCode: number;
  stdout: Buffer;
}

export class GitError extends Error {
  override readonly name = 'GitError';

  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

/** Environment that makes git fail instead of asking a person anything. */
const NON_INTERACTIVE: Readonly<Record<string, string>> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: '',
  SSH_ASKPASS: '',
  GCM_INTERACTIVE: 'never',
  GIT_OPTIONAL_LOCKS: '0',
  LC_ALL: 'C',
};

/** Longest stderr excerpt kept in an error message. */
const MAX_STDERR = 2000;

export function runGit(
  args: readonly string[],
  options: GitCommandOptions = {},
): Promise<GitResult> {
  const redact = options.redact ?? ((text: string) => text);
  const prefix =
    options.gitDir === undefined
      ? []
      : ['--git-dir', options.gitDir, '-c', `safe.directory=${options.gitDir}`];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...NON_INTERACTIVE,
    GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...prefix, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      reject(new GitError(redact(`cannot run git: ${error.message}`), null));
    });
    child.on('close', (code) => {
      const exitCode = code ?? -1;
      if (exitCode === 0 || options.allowExitCodes?.includes(exitCode) === true) {
        resolve({ exitCode, stdout: Buffer.concat(stdout) });
        return;
      }
      const detail = Buffer.concat(stderr).toString('utf8').trim().slice(0, MAX_STDERR);
      reject(
        new GitError(redact(`git ${args[0] ?? ''} failed (exit ${exitCode}): ${detail}`), code),
      );
    });
    child.stdin.on('error', () => undefined); // git may exit before reading all its input
    child.stdin.end(options.input ?? '');
  });
}
