/**
 * The repository `ferry up` syncs. A folder that is the top of a git repository is synced
 * in place, from the branch checked out there (only committed content is read, and only
 * `ferry/promote/…` branches are ever written). Any other folder, such as `examples/iris`
 * inside a clone of Ferry, gets a repository of its own under the state directory, made
 * once from the folder's files; the user's folder is never written to.
 */
import { cp, mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runGit } from '../gitops/git/command.js';

export interface UpRepository {
  /** The repository's top folder, as `ferry operator --git-dir` takes it. */
  directory: string;
  branch: string;
  /** Whether Ferry made it under the state directory (now or by an earlier run). */
  owned: boolean;
  /** Whether this run made it. */
  created: boolean;
}

const BRANCH = 'main';
const IDENTITY = ['-c', 'user.name=ferry up', '-c', 'user.email=ferry-up@localhost'];

async function text(args: readonly string[], allowExitCodes: readonly number[] = []) {
  const result = await runGit(args, { allowExitCodes });
  return result.exitCode === 0 ? result.stdout.toString('utf8').trim() : undefined;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Copies the files under `source` into `target`, but for the paths in `skip` (and what is under them). */
async function copyTree(source: string, target: string, skip: ReadonlySet<string>): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    if (skip.has(from)) continue;
    if (entry.isDirectory()) await copyTree(from, join(target, entry.name), skip);
    else if (entry.isFile() || entry.isSymbolicLink()) await cp(from, join(target, entry.name));
  }
}

/** The repository for `folder`, made under `stateDir/repo` when the folder is not a repository's top. */
export async function upRepository(folder: string, stateDir: string): Promise<UpRepository> {
  const absolute = await realpath(folder);
  const top = await text(['-C', absolute, 'rev-parse', '--show-toplevel'], [128]);
  if (top !== undefined && (await realpath(top)) === absolute) {
    const branch = await text(['-C', absolute, 'symbolic-ref', '--short', 'HEAD'], [128]);
    if (branch === undefined) {
      throw new Error(`${absolute} has no branch checked out (a detached HEAD): check one out`);
    }
    return { directory: absolute, branch, owned: false, created: false };
  }
  const directory = join(stateDir, 'repo');
  if (await exists(join(directory, '.git'))) {
    return { directory, branch: BRANCH, owned: true, created: false };
  }
  await copyTree(absolute, directory, new Set([join(absolute, '.git'), await realpath(stateDir)]));
  await runGit(['init', '--quiet', '--initial-branch', BRANCH, directory]);
  await runGit(['-C', directory, 'add', '--all']);
  await runGit([
    '-C',
    directory,
    ...IDENTITY,
    'commit',
    '--quiet',
    '--message',
    `Manifests of ${absolute}, as ferry up found them`,
  ]);
  return { directory, branch: BRANCH, owned: true, created: true };
}
