/** Reading the manifest fixtures and describing problems the way a user reads them. */

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceFile } from '../../operator/src/manifests/parse.js';
import type { Problem } from '../../operator/src/manifests/problem.js';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const FIXTURES_DIR = join(REPO_ROOT, 'test', 'fixtures', 'manifests');
export const INVALID_DIR = join(FIXTURES_DIR, 'invalid');
export const VALID_DIR = join(FIXTURES_DIR, 'valid');
export const CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');

/** One problem as the text report shows it: `file:line:col  Kind/name  .field  message`. */
export interface Expected {
  at: string;
  object: string;
  field: string;
  /** A phrase the message must contain. */
  says: string;
  severity?: 'error' | 'warning';
}

export function observed(problems: readonly Problem[]): Expected[] {
  return problems.map((problem) => ({
    at: `${problem.file}:${problem.line}:${problem.column}`,
    object: problem.object === undefined ? '-' : `${problem.object.kind}/${problem.object.name}`,
    field: problem.field ?? '-',
    says: problem.message,
    severity: problem.severity,
  }));
}

/**
 * The files of one case, shown relative to `dir`: the file `name`, or every file of the
 * directory `name/` in name order.
 */
export async function readFixtures(dir: string, name: string): Promise<SourceFile[]> {
  const names = name.endsWith('/')
    ? (await readdir(join(dir, name))).sort().map((file) => `${name}${file}`)
    : [name];
  return Promise.all(
    names.map(async (path) => ({ path, text: await readFile(join(dir, path), 'utf8') })),
  );
}
