/**
 * `ferry validate` as a user runs it: the built CLI in a child process, its exit status,
 * stdout and stderr.
 */

import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, INVALID_DIR, REPO_ROOT, VALID_DIR } from './fixtures.js';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function ferry(args: readonly string[], cwd = REPO_ROOT): Run {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 20_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ferry-validate-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function write(path: string, text: string | Buffer): Promise<string> {
  const absolute = join(scratch, path);
  await mkdir(join(absolute, '..'), { recursive: true });
  await writeFile(absolute, text);
  return absolute;
}

const DATASET = (name: string, extra = ''): string => `apiVersion: ml.ferry.dev/v1alpha1
kind: Dataset
metadata:
  name: ${name}
spec:
  source: { uri: "file:///data/${name}.csv" }
  schema: { features: [{ name: a, type: numeric }] }
${extra}`;

describe('ferry validate: exit status', () => {
  it('exits 0 on the examples', () => {
    const run = ferry(['validate', 'examples/']);
    expect(run.stdout).toBe('4 files, 5 Ferry objects: 0 errors, 0 warnings\n');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('exits 1 and prints path:line:col  Kind/name  .field  message', () => {
    const run = ferry(['validate', 'wrong-type-split-train.yaml'], INVALID_DIR);
    expect(run.stdout).toBe(
      'wrong-type-split-train.yaml:12:12  Dataset/iris  .spec.split.train  Invalid value: "0.8": must be a number\n' +
        '1 file, 1 Ferry object: 1 error, 0 warnings\n',
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
  });

  it('exits 1 on the corpus and reports an error in every one of its files', async () => {
    const run = ferry(['validate', '--format', 'json', '.'], INVALID_DIR);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as { problems: { file: string; severity: string }[] };
    const failing = new Set(
      report.problems.filter((p) => p.severity === 'error').map((p) => p.file.split('/')[0]),
    );
    expect([...failing].sort()).toEqual((await readdir(INVALID_DIR)).sort());
  });

  it('exits 0 with warnings only, and prints them as warnings', () => {
    const run = ferry(['validate', 'modelversion-only-in-cluster.yaml'], VALID_DIR);
    expect(run.stdout).toBe(
      'modelversion-only-in-cluster.yaml:6:17  InferenceService/iris  .spec.modelVersion  warning: ModelVersion "iris-v7" is not in these manifests; it must exist in the cluster\n' +
        '1 file, 1 Ferry object: 0 errors, 1 warning\n',
    );
    expect(run.status).toBe(0);
  });

  it('exits 0 on objects of other kinds only', () => {
    const run = ferry(['validate', 'non-ferry-kinds.yaml'], VALID_DIR);
    expect(run.stdout).toContain('(+3 of other kinds, not checked)');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('exits 2 for a path that does not exist, still reporting the files it could read', () => {
    const run = ferry(['validate', 'no/such/dir', 'non-ferry-kinds.yaml'], VALID_DIR);
    expect(run.stderr).toContain(
      'ferry validate: cannot read no/such/dir: no such file or directory',
    );
    expect(run.status).toBe(2);
  });

  it.each([
    [['validate'], 'name at least one file or directory'],
    [['validate', '--bogus', 'examples/'], "Unknown option '--bogus'"],
    [['validate', '--format', 'xml', 'examples/'], 'unknown --format "xml"'],
  ])('exits 2 with usage for %j', (args, says) => {
    const run = ferry(args);
    expect(run.stderr).toContain(says);
    expect(run.stderr).toContain('Usage: ferry validate');
    expect(run.stdout).toBe('');
    expect(run.status).toBe(2);
  });

  it('exits 2 when a directory holds no YAML files', async () => {
    await write('no-yaml/readme.txt', 'nothing here');
    const run = ferry(['validate', join(scratch, 'no-yaml')]);
    expect(run.stderr).toContain('no .yaml or .yml files found');
    expect(run.status).toBe(2);
  });
});

describe('ferry validate: directories', () => {
  it('reads .yaml and .yml files recursively, skipping other files, dot-directories and node_modules', async () => {
    const root = join(scratch, 'repo');
    await write('repo/a.yaml', DATASET('a', 'bogusA: 1\n'));
    await write('repo/nested/deeper/b.yml', DATASET('b', 'bogusB: 1\n'));
    await write('repo/nested/C.YAML', DATASET('c', 'bogusC: 1\n'));
    await write('repo/notes.txt', DATASET('t', 'bogusT: 1\n'));
    await write('repo/a.yaml.bak', DATASET('k', 'bogusK: 1\n'));
    await write('repo/.github/workflow.yaml', DATASET('h', 'bogusH: 1\n'));
    await write('repo/node_modules/pkg/x.yaml', DATASET('n', 'bogusN: 1\n'));
    const run = ferry(['validate', '--format', 'json', '.'], root);
    const report = JSON.parse(run.stdout) as {
      files: number;
      problems: { file: string; line: number; column: number; field: string }[];
    };
    expect(report.files).toBe(3);
    expect(report.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.field}`)).toEqual([
      'a.yaml:8:1 .bogusA',
      'nested/C.YAML:8:1 .bogusC',
      'nested/deeper/b.yml:8:1 .bogusB',
    ]);
    expect(run.status).toBe(1);
  });

  it('reads a file named on the command line whatever its extension', async () => {
    const file = await write('named/manifest.txt', DATASET('named', 'bogus: 1\n'));
    const run = ferry(['validate', file], join(scratch, 'named'));
    expect(run.stdout).toBe(
      'manifest.txt:8:1  Dataset/named  .bogus  unknown field "bogus"\n' +
        '1 file, 1 Ferry object: 1 error, 0 warnings\n',
    );
    expect(run.status).toBe(1);
  });
});

describe('ferry validate --format json', () => {
  it('prints one JSON report with counts and located problems', () => {
    const run = ferry(
      ['validate', '--format', 'json', 'out-of-range-split.yaml', 'missing-kind.yaml'],
      INVALID_DIR,
    );
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      valid: false,
      files: 2,
      objects: 1,
      otherObjects: 0,
      errors: 3,
      warnings: 0,
      problems: [
        {
          file: 'missing-kind.yaml',
          line: 1,
          column: 1,
          severity: 'error',
          field: '.kind',
          message: 'Required value: every object needs a string kind',
        },
        {
          file: 'out-of-range-split.yaml',
          line: 12,
          column: 12,
          severity: 'error',
          object: { kind: 'Dataset', name: 'iris' },
          field: '.spec.split.train',
          message: 'Invalid value: 1.5: must be <= 1',
        },
        {
          file: 'out-of-range-split.yaml',
          line: 13,
          column: 11,
          severity: 'error',
          object: { kind: 'Dataset', name: 'iris' },
          field: '.spec.split.seed',
          message: 'Invalid value: -1: must be >= 0',
        },
      ],
    });
  });

  it('reports valid: true with warnings', () => {
    const run = ferry(['validate', '-o', 'json', 'modelversion-only-in-cluster.yaml'], VALID_DIR);
    expect(JSON.parse(run.stdout)).toMatchObject({ valid: true, errors: 0, warnings: 1 });
    expect(run.status).toBe(0);
  });
});

describe('ferry validate --format github', () => {
  it('prints ::error annotations with file, line, col and title', () => {
    const run = ferry(['validate', '--format', 'github', 'missing-source-uri.yaml'], INVALID_DIR);
    expect(run.stdout).toBe(
      '::error file=missing-source-uri.yaml,line=6,col=3,title=Dataset/iris .spec.source.uri::Required value\n',
    );
    expect(run.status).toBe(1);
  });

  it('prints warnings as ::warning', () => {
    const run = ferry(
      ['validate', '--format', 'github', 'modelversion-only-in-cluster.yaml'],
      VALID_DIR,
    );
    expect(run.stdout).toMatch(
      /^::warning file=modelversion-only-in-cluster\.yaml,line=6,col=17,title=/,
    );
    expect(run.status).toBe(0);
  });

  it('escapes %, newlines, : and , as the Actions runner requires', async () => {
    const dir = join(scratch, 'escapes');
    await write(
      'escapes/odd%name,v:1.yaml',
      `apiVersion: ml.ferry.dev/v1alpha1
kind: Dataset
metadata:
  name: iris
  labels: { "ex:a,b": 3 }
spec:
  source: { uri: "file:///data/iris.csv" }
  schema: { features: [{ name: a, type: numeric }] }
  "50%": 1
  "line\\nbreak": 2
`,
    );
    const run = ferry(['validate', '--format', 'github', '.'], dir);
    expect(run.stdout.split('\n')).toEqual([
      '::error file=odd%25name%2Cv%3A1.yaml,line=5,col=23,title=Dataset/iris .metadata.labels["ex%3Aa%2Cb"]::Invalid value: 3: must be a string',
      '::error file=odd%25name%2Cv%3A1.yaml,line=9,col=3,title=Dataset/iris .spec["50%25"]::unknown field "50%25"',
      '::error file=odd%25name%2Cv%3A1.yaml,line=10,col=3,title=Dataset/iris .spec["line\\nbreak"]::unknown field "line%0Abreak"',
      '',
    ]);
    expect(run.status).toBe(1);
  });
});

describe('ferry validate on garbage', () => {
  const cases: [string, () => string | Buffer, string][] = [
    [
      'binary.yaml',
      () => Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7919) % 256)),
      'document is not a Kubernetes object',
    ],
    ['huge-line.yaml', () => `apiVersion: ${'x'.repeat(8 * 1024 * 1024)}\n`, 'Required value'],
    ['deep-flow.yaml', () => `${'['.repeat(50_000)}${']'.repeat(50_000)}\n`, 'nested too deeply'],
    [
      'deep-block.yaml',
      () => Array.from({ length: 3000 }, (_, depth) => `${' '.repeat(depth)}k${depth}:`).join('\n'),
      'nested too deeply',
    ],
    [
      'billion-laughs.yaml',
      () =>
        [
          'apiVersion: ml.ferry.dev/v1alpha1',
          'kind: Dataset',
          'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
          ...'bcdefghi'.split('').map((name, i) => {
            const previous = 'abcdefghi'[i] ?? 'a';
            return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`;
          }),
        ].join('\n'),
      'expands too far',
    ],
  ];

  it.each(cases)(
    '%s: reports a problem and exits 1, quickly, without a stack trace',
    async (name, content, says) => {
      await write(`garbage/${name}`, content());
      const started = Date.now();
      const run = ferry(['validate', name], join(scratch, 'garbage'));
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(run.stdout.startsWith(`${name}:`)).toBe(true);
      expect(run.stdout).toContain(says);
      expect(run.stdout.split('\n').every((line) => line.length < 400)).toBe(true);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.status).toBe(1);
    },
  );

  it('reports a garbage file and still checks the good ones next to it', async () => {
    await write(
      'mixed/0-bomb.yaml',
      'a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n',
    );
    await write('mixed/1-dataset.yaml', DATASET('iris', 'bogus: 1\n'));
    const run = ferry(['validate', '.'], join(scratch, 'mixed'));
    expect(run.stdout).toContain('0-bomb.yaml:1:1');
    expect(run.stdout).toContain('1-dataset.yaml:8:1  Dataset/iris  .bogus  unknown field "bogus"');
    expect(run.status).toBe(1);
  });
});
