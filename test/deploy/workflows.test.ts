/**
 * The GitHub workflows and actions, parsed: every `uses:` is pinned to a full commit SHA
 * (a tag can be moved; a SHA cannot), tokens start with no permissions, and CI runs on
 * both supported Node versions.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { REPO } from '../support/cluster.js';

const GITHUB = join(REPO, '.github');

async function workflowFiles(): Promise<string[]> {
  const entries = await readdir(GITHUB, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => /\/workflows\/|\/action\.ya?ml$/.test(file))
    .sort();
}

/** Every `uses:` value anywhere in a parsed workflow or action. */
function usesOf(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(usesOf);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'uses' && typeof value === 'string' ? [value] : usesOf(value),
  );
}

async function workflow(name: string): Promise<Record<string, unknown>> {
  return parse(await readFile(join(GITHUB, 'workflows', name), 'utf8')) as Record<string, unknown>;
}

describe('.github', () => {
  it('parses every YAML file under .github', async () => {
    const entries = await readdir(GITHUB, { withFileTypes: true, recursive: true });
    const files = entries
      .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
      .map((entry) => join(entry.parentPath, entry.name));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files)
      for (const document of parseAllDocuments(await readFile(file, 'utf8')))
        expect(document.errors, relative(REPO, file)).toEqual([]);
  });

  it('pins every action to a 40-hex commit SHA', async () => {
    const files = await workflowFiles();
    expect(files.map((file) => relative(GITHUB, file))).toEqual(
      expect.arrayContaining([
        'workflows/ci.yml',
        'workflows/e2e-kind.yml',
        'actions/validate/action.yml',
      ]),
    );
    let pinned = 0;
    for (const file of files) {
      for (const uses of usesOf(parse(await readFile(file, 'utf8')))) {
        if (uses.startsWith('./')) continue;
        expect(uses, relative(REPO, file)).toMatch(
          /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/,
        );
        pinned += 1;
      }
    }
    expect(pinned).toBeGreaterThanOrEqual(4);
  });

  it('starts every workflow token with no permissions and grants each job only reading', async () => {
    for (const name of ['ci.yml', 'e2e-kind.yml']) {
      const parsed = await workflow(name);
      expect(parsed['permissions'], name).toEqual({});
      for (const [job, spec] of Object.entries(
        parsed['jobs'] as Record<string, { permissions?: unknown }>,
      ))
        expect(spec.permissions, `${name} ${job}`).toEqual({ contents: 'read' });
    }
  });

  it('verifies on Node 20 and 22 with the checks npm run verify runs', async () => {
    const ci = await workflow('ci.yml');
    const verify = (
      ci['jobs'] as Record<
        string,
        { strategy: { matrix: { node: number[] } }; steps: { run?: string }[] }
      >
    )['verify'];
    expect(verify?.strategy.matrix.node).toEqual([20, 22]);
    expect(verify?.steps.map((step) => step.run)).toContain('npm run verify');
  });

  it('waits in kind for the ModelVersion and the InferenceService, and dumps logs on failure', async () => {
    const e2e = await workflow('e2e-kind.yml');
    const steps =
      (e2e['jobs'] as Record<string, { steps: { run?: string; if?: string }[] }>)['kind']?.steps ??
      [];
    const script = steps.map((step) => step.run ?? '').join('\n');
    for (const expected of [
      'helm lint',
      'kubeconform" -strict',
      'helm install',
      'kubectl apply -f examples/iris/',
      'kubectl wait --for=condition=Ready modelversion/iris-v1',
      'kubectl wait --for=condition=Ready inferenceservice/iris',
    ])
      expect(script).toContain(expected);
    expect(steps.some((step) => step.if === 'failure()' && step.run?.includes('logs'))).toBe(true);
  });
});
