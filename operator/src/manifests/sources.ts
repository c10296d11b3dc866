/**
 * Finding and reading the manifest files `ferry validate` is given, with bounded work:
 * each file is read up to a size limit, directory walks visit every directory once (so
 * symlink cycles end), and only regular files are read from a walk.
 */
import { open, readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { SourceFile } from './parse.js';
import type { Problem } from './problem.js';
import { isManifestFileName, isSkippedDirectory } from './paths.js';

export interface ManifestSources {
  readonly files: SourceFile[];
  /** Files refused (over the size limit) or skipped (not regular files), as report lines. */
  readonly problems: Problem[];
  /** Paths that could not be read at all: an I/O failure, not a finding about a manifest. */
  readonly unreadable: string[];
}

const READ_CHUNK = 64 * 1024;

/**
 * Reads the named files whatever their extension (a pipe or device too, up to the limit),
 * and the *.yaml / *.yml files under the named directories, in a stable order. A walk
 * skips dot-directories and node_modules, follows symlinks to directories it has not
 * visited yet, reads each file once however many links lead to it, and skips anything
 * that is not a regular file with a warning. A file over `maxFileSize` bytes is an error
 * problem naming it and is not parsed. Paths are shown relative to `cwd` when inside it.
 */
export async function readManifestSources(
  paths: readonly string[],
  cwd: string,
  maxFileSize: number,
): Promise<ManifestSources> {
  const files: SourceFile[] = [];
  const problems: Problem[] = [];
  const unreadable: string[] = [];
  const visited = new Set<string>();
  const display = (absolute: string): string => {
    const shown = relative(cwd, absolute);
    return shown === '' || shown.startsWith('..') ? absolute : shown;
  };
  const fileProblem = (absolute: string, severity: Problem['severity'], message: string): void => {
    problems.push({ file: display(absolute), line: 1, column: 1, severity, message });
  };
  const read = async (absolute: string): Promise<void> => {
    try {
      const text = await readBounded(absolute, maxFileSize);
      if (text === undefined) {
        fileProblem(
          absolute,
          'error',
          `file is larger than the ${maxFileSize}-byte limit (--max-file-size); not checked`,
        );
      } else {
        files.push({ path: display(absolute), text });
      }
    } catch (error) {
      unreadable.push(`cannot read ${display(absolute)}: ${describeIoError(error)}`);
    }
  };
  const walk = async (directory: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      unreadable.push(`cannot read ${display(directory)}: ${describeIoError(error)}`);
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const absolute = join(directory, entry.name);
      let info: Stats;
      try {
        info = await stat(absolute); // follows symlinks; firstVisit ends their cycles
      } catch (error) {
        unreadable.push(`cannot read ${display(absolute)}: ${describeIoError(error)}`);
        continue;
      }
      if (info.isDirectory()) {
        if (isSkippedDirectory(entry.name)) continue;
        if (firstVisit(visited, info)) await walk(absolute);
        continue;
      }
      if (!isManifestFileName(entry.name)) continue;
      if (!info.isFile()) {
        fileProblem(absolute, 'warning', `${fileKind(info)}, not a regular file: skipped`);
        continue;
      }
      if (firstVisit(visited, info)) await read(absolute);
    }
  };
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    let info: Stats;
    try {
      info = await stat(absolute);
    } catch (error) {
      unreadable.push(`cannot read ${display(absolute)}: ${describeIoError(error)}`);
      continue;
    }
    if (!info.isDirectory()) {
      if (firstVisit(visited, info) || !info.isFile()) await read(absolute);
    } else if (firstVisit(visited, info)) {
      await walk(absolute);
    }
  }
  return { files, problems, unreadable };
}

/** True the first time a file or directory (by device and inode) is seen. */
function firstVisit(visited: Set<string>, info: Stats): boolean {
  const key = `${info.dev}:${info.ino}`;
  if (visited.has(key)) return false;
  visited.add(key);
  return true;
}

/**
 * The file's text, or undefined when it holds more than `limit` bytes. Reads at most
 * `limit + 1` bytes, so a pipe or device that never ends costs no more than that.
 */
async function readBounded(path: string, limit: number): Promise<string | undefined> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (info.isFile() && info.size > limit) return undefined;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, limit + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) return undefined;
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await handle.close();
  }
}

function fileKind(info: Stats): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a file';
}

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
