/**
 * The git plumbing a local proposal needs: read committed trees and blobs, and create a
 * branch holding one commit on top of another, without a working tree.
 *
 * Contract: nothing here reads or writes a working tree, the index, or HEAD. The commit is
 * built in a temporary index file (`GIT_INDEX_FILE`), and the branch is created with
 * `update-ref` expecting it not to exist, so of two writers racing for one branch exactly
 * one succeeds.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitError, runGit, type GitCommandOptions } from '../git/command.js';

const ZERO_OID = '0000000000000000000000000000000000000000';

/** A blob in a committed tree. */
export interface TreeFile {
  path: string;
  mode: string;
  sha: string;
}

export type GitOptions = Pick<GitCommandOptions, 'env' | 'input'>;

/** Runs `git` in `gitDir` (a repository or its .git directory) and returns its stdout. */
export async function git(
  gitDir: string,
  args: readonly string[],
  options: GitOptions = {},
): Promise<string> {
  return (await runGit(['-C', gitDir, ...args], options)).stdout.toString('utf8');
}

/** The commit `ref` names, or undefined when it does not exist. */
export async function resolveCommit(gitDir: string, ref: string): Promise<string | undefined> {
  const result = await runGit(
    ['-C', gitDir, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`],
    {
      allowExitCodes: [1],
    },
  );
  return result.exitCode === 1 ? undefined : result.stdout.toString('utf8').trim();
}

/** Every blob of `commit`'s tree, with its path. */
export async function listFiles(gitDir: string, commit: string): Promise<TreeFile[]> {
  const output = await git(gitDir, ['ls-tree', '-r', '-z', '--full-tree', commit]);
  const files: TreeFile[] = [];
  for (const entry of output.split('\0')) {
    const match = /^(\d+) blob ([0-9a-f]+)\t(.*)$/s.exec(entry);
    if (match?.[1] !== undefined && match[2] !== undefined && match[3] !== undefined)
      files.push({ mode: match[1], sha: match[2], path: match[3] });
  }
  return files;
}

export async function readBlob(gitDir: string, sha: string): Promise<string> {
  return git(gitDir, ['cat-file', 'blob', sha]);
}

/** Whether `ancestor` is reachable from `descendant`. */
export async function isAncestor(
  gitDir: string,
  ancestor: string,
  descendant: string,
): Promise<boolean> {
  const result = await runGit(['-C', gitDir, 'merge-base', '--is-ancestor', ancestor, descendant], {
    allowExitCodes: [1],
  });
  return result.exitCode === 0;
}

export interface OneCommit {
  /** The commit the new one goes on top of. */
  parent: string;
  path: string;
  /** The file's mode in the parent's tree (100644 unless it is executable). */
  mode: string;
  content: string;
  message: string;
  author: { name: string; email: string };
}

/** Writes a commit that is `parent` with `path` (changed or added) holding `content`; returns its id. */
export async function writeCommit(gitDir: string, change: OneCommit): Promise<string> {
  const blob = (
    await git(gitDir, ['hash-object', '-w', '--stdin'], { input: change.content })
  ).trim();
  const scratch = await mkdtemp(join(tmpdir(), 'ferry-index-'));
  try {
    const env = { GIT_INDEX_FILE: join(scratch, 'index') };
    await git(gitDir, ['read-tree', change.parent], { env });
    await git(
      gitDir,
      ['update-index', '--add', '--cacheinfo', `${change.mode},${blob},${change.path}`],
      {
        env,
      },
    );
    const tree = (await git(gitDir, ['write-tree'], { env })).trim();
    const identity = {
      GIT_AUTHOR_NAME: change.author.name,
      GIT_AUTHOR_EMAIL: change.author.email,
      GIT_COMMITTER_NAME: change.author.name,
      GIT_COMMITTER_EMAIL: change.author.email,
    };
    return (
      await git(gitDir, ['commit-tree', tree, '-p', change.parent, '-F', '-'], {
        env: identity,
        input: change.message,
      })
    ).trim();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Points `refs/heads/<branch>` at `commit` only if the branch does not exist yet; returns
 * whether this call created it.
 */
export async function createBranch(
  gitDir: string,
  branch: string,
  commit: string,
): Promise<boolean> {
  try {
    await git(gitDir, ['update-ref', `refs/heads/${branch}`, commit, ZERO_OID]);
    return true;
  } catch (error) {
    if (
      error instanceof GitError &&
      (await resolveCommit(gitDir, `refs/heads/${branch}`)) !== undefined
    )
      return false;
    throw error;
  }
}
