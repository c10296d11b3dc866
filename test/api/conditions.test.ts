/**
 * The README's condition tables are the code's: rendered from `KindConditions`, and every
 * reason they list is a reason the kind's code (or the runtime, for failures) can write.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  conditionTablesMarkdown,
  FailureReasons,
  KindConditions,
} from '../../operator/src/api/conditions.js';

const REPO = join(import.meta.dirname, '..', '..');
const SRC = join(REPO, 'operator', 'src');

/** A markdown table with its cells trimmed and its rule shortened, as prettier may pad them. */
function normalised(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .split('|')
            .map((cell) => cell.trim().replace(/^-+$/, '---'))
            .join('|')
        : line.trim(),
    )
    .join('\n')
    .trim();
}

async function sourcesUnder(directory: string): Promise<string> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  const files = entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts'));
  const texts = await Promise.all(
    files.map((file) => readFile(join(file.parentPath, file.name), 'utf8')),
  );
  return texts.join('\n');
}

const FOLDERS: Record<string, string> = {
  Dataset: 'dataset',
  TrainingJob: 'training-job',
  ModelVersion: 'model-version',
  InferenceService: 'inference-service',
  DriftMonitor: 'drift-monitor',
};

describe('condition tables', () => {
  it('are in the README exactly as the code renders them', async () => {
    const readme = await readFile(join(REPO, 'README.md'), 'utf8');
    const block = /<!-- conditions:begin[^>]*-->([\s\S]*?)<!-- conditions:end -->/.exec(readme);
    expect(block, 'README.md has a conditions:begin … conditions:end block').not.toBeNull();
    expect(normalised(block?.[1] ?? '')).toBe(normalised(conditionTablesMarkdown()));
  });

  it.each(Object.keys(KindConditions))('list only reasons the %s code writes', async (kind) => {
    const folder = FOLDERS[kind];
    expect(folder, `a controller folder for ${kind}`).toBeDefined();
    const code = [
      await sourcesUnder(join(SRC, 'controllers', folder ?? '')),
      await readFile(join(SRC, 'controllers', 'validation.ts'), 'utf8'),
      await sourcesUnder(join(SRC, 'data')),
    ].join('\n');
    const reasons = (KindConditions[kind] ?? []).flatMap((condition) =>
      condition.reasons.map((doc) => doc.reason),
    );
    const missing = reasons.filter((reason) => !code.includes(`'${reason}'`));
    expect(missing).toEqual([]);
  });

  it('list only failure reasons the runtime writes', async () => {
    const runtime = await sourcesUnder(join(SRC, 'runtime'));
    const missing = FailureReasons.map((doc) => doc.reason).filter(
      (reason) => !runtime.includes(`'${reason}'`),
    );
    expect(missing).toEqual([]);
  });
});
