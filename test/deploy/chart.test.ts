/**
 * The Helm chart, checked as far as this machine can without helm: no renderer of Helm's
 * templates (Go's text/template with Sprig) exists for Node, so templates are not
 * rendered here; the kind workflow runs `helm lint`, `helm template` and kubeconform on
 * them. What is checked here: the CRD copies, values.yaml against values.schema.json and
 * wrong values refused, every plain YAML file of the chart, the flags the Deployment
 * passes against `ferry operator`'s own, the literal security contexts against the
 * restricted Pod Security Standard the operator's own pods use, and the RBAC rules file.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { operatorUsage } from '../../operator/src/cli/commands/operator.js';
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from '../../operator/src/controllers/pod-security.js';
import { REPO } from '../support/cluster.js';
import { allRules, RULES_FILE, Scopes } from '../support/rbac.js';

const CHART = join(REPO, 'charts', 'ferry');
const run = promisify(execFile);

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

async function values(): Promise<Record<string, unknown>> {
  return parse(await readFile(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
}

async function validator() {
  const schema = JSON.parse(await readFile(join(CHART, 'values.schema.json'), 'utf8')) as object;
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

/** values.yaml with `path` set to `value`, as `--set path=value` would. */
async function valuesWith(path: string, value: unknown): Promise<Record<string, unknown>> {
  const result = await values();
  const keys = path.split('.');
  let node = result;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys.at(-1) ?? ''] = value;
  return result;
}

/** The block under `key:` at `indent` spaces in `text`, as YAML text. */
function literalBlock(text: string, key: string, indent: number): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line === `${' '.repeat(indent)}${key}:`);
  expect(start, `${key}: at indent ${String(indent)}`).toBeGreaterThan(-1);
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && line.search(/\S/) <= indent) break;
    block.push(line);
  }
  return block.join('\n');
}

describe('charts/ferry', () => {
  it('carries the generated CRDs, byte for byte', async () => {
    const generated = await readdir(join(REPO, 'crds'));
    expect((await readdir(join(CHART, 'crds'))).sort()).toEqual(generated.sort());
    for (const file of generated) {
      expect(await readFile(join(CHART, 'crds', file), 'utf8'), file).toBe(
        await readFile(join(REPO, 'crds', file), 'utf8'),
      );
    }
    const check = await run(process.execPath, [
      join(REPO, 'dist', 'cli', 'main.js'),
      'crds',
      '--output-dir',
      join(CHART, 'crds'),
      '--check',
    ]);
    expect(check.stdout).toContain('up to date');
  });

  it('parses every file that is plain YAML, one document per CRD', async () => {
    const plain = (await filesUnder(CHART)).filter(
      (file) => /\.ya?ml$/.test(file) && !relative(CHART, file).startsWith('templates'),
    );
    expect(plain.map((file) => relative(CHART, file))).toContain('Chart.yaml');
    for (const file of plain) {
      const documents = parseAllDocuments(await readFile(file, 'utf8'));
      for (const document of Array.isArray(documents) ? documents : [documents])
        expect(document.errors, relative(CHART, file)).toEqual([]);
    }
    const chart = parse(await readFile(join(CHART, 'Chart.yaml'), 'utf8')) as {
      apiVersion: string;
      version: string;
      appVersion: string;
    };
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(chart).toMatchObject({ apiVersion: 'v2', appVersion: pkg.version });
  });

  it('accepts its own values.yaml', async () => {
    const validate = await validator();
    expect(validate(await values()), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['replicaCount', 0, '/replicaCount'],
    ['logLevel', 'verbose', '/logLevel'],
    ['watchNamespace', 'Not_A_Namespace', '/watchNamespace'],
    ['gitops.engine', 'kustomize', '/gitops/engine'],
    ['gitops.git.url', 'ftp://example.com/models.git', '/gitops/git/url'],
    ['gitops.git.interval', '60', '/gitops/git/interval'],
    ['gitops.github.repo', 'not a repo', '/gitops/github/repo'],
    ['leaderElection.leaseDuration', 'fifteen seconds', '/leaderElection/leaseDuration'],
    ['port', 80, '/port'],
    ['resources', { requests: { cpu: '1' } }, '/resources'],
    [
      'extraRules',
      [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }],
      '/extraRules/0/resources/0',
    ],
    [
      'extraRules',
      [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }],
      '/extraRules/0/verbs/0',
    ],
    ['replicas', 3, ''],
  ])('refuses %s: %j, naming %s', async (path, value, where) => {
    const validate = await validator();
    expect(validate(await valuesWith(path, value))).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath)).toContain(where);
  });

  it('passes only flags ferry operator has, and the probe address explicitly', async () => {
    const deployment = await readFile(join(CHART, 'templates', 'deployment.yaml'), 'utf8');
    const passed = [...deployment.matchAll(/^\s+- (--[a-z-]+)/gm)].map((match) => match[1]);
    expect(passed.length).toBeGreaterThan(15);
    const known = new Set([...operatorUsage.matchAll(/(--[a-z-]+)/g)].map((match) => match[1]));
    expect(passed.filter((flag) => !known.has(flag))).toEqual([]);
    expect(passed).toContain('--bind-address');
    expect(deployment).toMatch(/path: \/healthz\n\s+port: http/);
    expect(deployment).toMatch(/path: \/readyz\n\s+port: http/);
  });

  it('runs the operator under the restricted Pod Security Standard its own pods use', async () => {
    const deployment = await readFile(join(CHART, 'templates', 'deployment.yaml'), 'utf8');
    const pod = parse(literalBlock(deployment, 'securityContext', 6)) as object;
    const container = parse(literalBlock(deployment, 'securityContext', 10)) as object;
    expect(pod).toEqual(restrictedPodSecurityContext(true));
    expect(container).toEqual(restrictedContainerSecurityContext(true));
    // The root filesystem is read-only: the git cache and TMPDIR are emptyDirs.
    expect(literalBlock(deployment, 'volumes', 6)).toMatch(/- name: git-cache\n\s+emptyDir:/);
    expect(deployment).toContain('--git-cache-dir=/var/cache/ferry/git');
    expect(deployment).toMatch(/- name: git-cache\n\s+mountPath: \/var\/cache\/ferry/);
  });

  it('limits memory above the heap cap it runs with', async () => {
    const chartValues = (await values()) as {
      nodeOptions: string;
      replicaCount: number;
      resources: { limits: { memory: string } };
    };
    const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(chartValues.nodeOptions)?.[1]);
    const limitMiB = Number(/^(\d+)Mi$/.exec(chartValues.resources.limits.memory)?.[1]);
    expect(heapMiB).toBeGreaterThan(0);
    expect(limitMiB).toBeGreaterThan(heapMiB);
    expect(chartValues.replicaCount).toBe(2);
  });

  it('grants no wildcard and no Secret', async () => {
    const rules = await allRules();
    expect(rules.length).toBeGreaterThan(5);
    for (const rule of rules) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
      expect(rule.resources).not.toContain('secrets');
    }
    const templates = await filesUnder(join(CHART, 'templates'));
    for (const file of templates)
      expect(await readFile(file, 'utf8'), relative(CHART, file)).not.toMatch(/["'\s]\*["'\s]/);
  });

  it('binds every scope of the rules file, and only those', async () => {
    const rbac = await readFile(join(CHART, 'templates', 'rbac.yaml'), 'utf8');
    const bound = new Set([...rbac.matchAll(/"scope" "(\w+)"/g)].map((match) => match[1]));
    const file = parse(await readFile(RULES_FILE, 'utf8')) as Record<string, unknown>;
    expect([...bound].sort()).toEqual(Object.keys(file).sort());
    expect(Object.keys(file).sort()).toEqual(Object.values(Scopes).sort());
  });

  it('refers only to values that values.yaml declares and helpers that exist', async () => {
    const declared = await values();
    const has = (path: string[]): boolean => {
      let node: unknown = declared;
      for (const key of path) {
        if (typeof node !== 'object' || node === null || !(key in node)) return false;
        node = (node as Record<string, unknown>)[key];
      }
      return true;
    };
    const templates = await filesUnder(join(CHART, 'templates'));
    const helpers = await readFile(join(CHART, 'templates', '_helpers.tpl'), 'utf8');
    const defined = new Set([...helpers.matchAll(/define "([^"]+)"/g)].map((match) => match[1]));
    for (const file of templates) {
      const text = await readFile(file, 'utf8');
      expect(text.split('{{').length, `balanced {{ }} in ${file}`).toBe(text.split('}}').length);
      for (const [, path] of text.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g))
        expect(has((path ?? '').split('.')), `.Values.${path ?? ''} in ${file}`).toBe(true);
      // `$git := .Values.gitops.git`, then `$git.url`.
      const aliases = new Map(
        [...text.matchAll(/\$(\w+) := \.Values\.([A-Za-z0-9_.]+)/g)].map(([, alias, path]) => [
          alias ?? '',
          path ?? '',
        ]),
      );
      for (const [, alias, path] of text.matchAll(/\$(\w+)\.([A-Za-z0-9_.]+)/g)) {
        const base = aliases.get(alias ?? '');
        if (base === undefined) continue;
        expect(has(`${base}.${path ?? ''}`.split('.')), `$${alias ?? ''}.${path ?? ''}`).toBe(true);
      }
      for (const [, name] of text.matchAll(/include "([^"]+)"/g))
        expect(defined.has(name), `include "${name ?? ''}" in ${file}`).toBe(true);
    }
  });
});
