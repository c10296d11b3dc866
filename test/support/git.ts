/**
 * Real git repositories for tests: a work tree in a temp dir that commits files, and
 * `git daemon` serving bare repositories over the git protocol on loopback.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const AUTHOR = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: { ...process.env, ...AUTHOR } });
  return stdout.trim();
}

export interface WorkRepo {
  directory: string;
  /** Writes `files` (path → content; null deletes), commits them all, returns the new commit. */
  commit: (files: Record<string, string | null>, message?: string) => Promise<string>;
  /** Writes a file without committing it. */
  write: (path: string, content: string) => Promise<void>;
  head: () => Promise<string>;
}

export async function createRepo(branch = 'main'): Promise<WorkRepo> {
  const directory = await mkdtemp(join(tmpdir(), 'ferry-git-'));
  await git(directory, 'init', '--quiet', `--initial-branch=${branch}`);
  const write = async (path: string, content: string): Promise<void> => {
    await mkdir(dirname(join(directory, path)), { recursive: true });
    await writeFile(join(directory, path), content);
  };
  return {
    directory,
    write,
    head: () => git(directory, 'rev-parse', 'HEAD'),
    commit: async (files, message = 'change') => {
      for (const [path, content] of Object.entries(files)) {
        if (content === null) await rm(join(directory, path));
        else await write(path, content);
      }
      await git(directory, 'add', '--all');
      await git(directory, 'commit', '--quiet', '--allow-empty', '-m', message);
      return git(directory, 'rev-parse', 'HEAD');
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return port;
}

export interface GitDaemon {
  /** `git://127.0.0.1:<port>/` */
  url: string;
  stop: () => Promise<void>;
}

/** Serves every repository under `root` read-only over git://, as `git daemon --export-all`. */
export async function startGitDaemon(root: string): Promise<GitDaemon> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'git',
    [
      'daemon',
      '--reuseaddr',
      '--listen=127.0.0.1',
      `--port=${port}`,
      `--base-path=${root}`,
      '--export-all',
      '--informative-errors',
      root,
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (open) break;
    if (Date.now() > deadline) throw new Error('git daemon did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `git://127.0.0.1:${port}/`,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
