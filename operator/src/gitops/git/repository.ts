/**
 * Read access to a git repository's committed content through plumbing only: refs are
 * resolved with `rev-parse`, trees listed with `ls-tree`, blobs read with
 * `cat-file --batch`. Nothing here reads or writes a working tree, the index, or HEAD.
 */

import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GitError, runGit } from './command.js';

/** A file in a commit's tree. */
export interface TreeEntry {
  /** Path from the repository's root, `/`-separated. */
  path: string;
  /** `100644` or `100755` (regular files; symlinks and submodules are not listed). */
  mode: string;
  /** The blob's object id. */
  objectId: string;
}

const REGULAR_FILE_MODES = new Set(['100644', '100755']);

/** `a/b` from `./a/b/`; `''` for the whole tree. */
export function normalizeTreePath(path: string): string {
  return path
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

export class GitRepository {
  private constructor(
    /** Absolute path of the git directory (`.git`, or the repository itself when bare). */
    readonly gitDir: string,
    private readonly redact: (text: string) => string,
  ) {}

  /**
   * The repository at `directory`: the top of a work tree, or a bare repository. A folder
   * inside a work tree is refused, naming the top, so paths never silently mean the
   * whole repository.
   */
  static async open(
    directory: string,
    redact: (text: string) => string = (text) => text,
  ): Promise<GitRepository> {
    const absolute = await realpath(resolve(directory));
    const git = ['-C', absolute, '-c', `safe.directory=${absolute}`, 'rev-parse'];
    const [gitDir = '', bare] = (
      await runGit([...git, '--absolute-git-dir', '--is-bare-repository'], { redact })
    ).stdout
      .toString('utf8')
      .trim()
      .split('\n');
    if (bare !== 'true') {
      const top = (await runGit([...git, '--show-toplevel'], { redact })).stdout
        .toString('utf8')
        .trim();
      if (top !== absolute) {
        throw new GitError(
          redact(
            `${absolute} is inside the repository ${top}: name its top, and the folder as the path`,
          ),
          null,
        );
      }
    }
    return new GitRepository(gitDir, redact);
  }

  /** A bare repository whose git directory is known to be `gitDir`. */
  static bare(gitDir: string, redact: (text: string) => string): GitRepository {
    return new GitRepository(resolve(gitDir), redact);
  }

  /** The commit `refs/heads/<branch>` points at, or undefined when there is no such branch. */
  async resolveBranch(branch: string): Promise<string | undefined> {
    const { exitCode, stdout } = await runGit(
      ['rev-parse', '--verify', '--quiet', '--end-of-options', `refs/heads/${branch}^{commit}`],
      { gitDir: this.gitDir, allowExitCodes: [1], redact: this.redact },
    );
    return exitCode === 0 ? stdout.toString('utf8').trim() : undefined;
  }

  /** The regular files of `commit`'s tree under `path` (the whole tree for `''`), in path order. */
  async listTree(commit: string, path = ''): Promise<TreeEntry[]> {
    const under = normalizeTreePath(path);
    const { stdout } = await runGit(
      ['ls-tree', '-r', '-z', '--full-tree', commit, ...(under === '' ? [] : ['--', under])],
      { gitDir: this.gitDir, redact: this.redact },
    );
    const entries: TreeEntry[] = [];
    for (const record of stdout.toString('utf8').split('\0')) {
      if (record === '') continue;
      const tab = record.indexOf('\t');
      const [mode, type, objectId] = record.slice(0, tab).split(' ');
      if (type !== 'blob' || mode === undefined || objectId === undefined) continue;
      if (!REGULAR_FILE_MODES.has(mode)) continue;
      entries.push({ path: record.slice(tab + 1), mode, objectId });
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** The contents of the blobs `objectIds`, in one `cat-file --batch`. A missing object is an error. */
  async readBlobs(objectIds: readonly string[]): Promise<Map<string, Buffer>> {
    const blobs = new Map<string, Buffer>();
    if (objectIds.length === 0) return blobs;
    const { stdout } = await runGit(['cat-file', '--batch'], {
      gitDir: this.gitDir,
      input: objectIds.map((id) => `${id}\n`).join(''),
      redact: this.redact,
    });
    let offset = 0;
    while (offset < stdout.length) {
      const newline = stdout.indexOf(0x0a, offset);
      if (newline === -1) break;
      const header = stdout.subarray(offset, newline).toString('utf8').split(' ');
      const [id, type, size] = header;
      if (id === undefined || type === 'missing' || size === undefined) {
        throw new GitError(this.redact(`git object ${id ?? '?'} is missing`), null);
      }
      const start = newline + 1;
      const end = start + Number(size);
      blobs.set(id, stdout.subarray(start, end));
      offset = end + 1; // the content is followed by a newline
    }
    return blobs;
  }
}
