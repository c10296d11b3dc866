/**
 * `ferry validate` on input built to make it slow, big or stuck: the built CLI in a child
 * process, with what the user sees (report lines, exit status) and how long it took. The
 * time bounds are generous ceilings that the old quadratic or unbounded behaviour missed
 * by far, not performance targets.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './fixtures.js';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs the CLI with a 512 MiB heap, so a run that needs more dies instead of passing. */
function ferry(args: readonly string[], cwd: string): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=512', CLI, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({
        status,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        seconds: (performance.now() - started) / 1000,
      });
    });
  });
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'ferry-validate-bounds-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function write(path: string, text: string): Promise<string> {
  const absolute = join(scratch, path);
  await mkdir(join(absolute, '..'), { recursive: true });
  await writeFile(absolute, text);
  return absolute;
}

function configMap(keys: number, extra = ''): string {
  const lines = Array.from({ length: keys }, (_, index) => `  key-${index}: v\n`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n${lines.join('')}${extra}`;
}

const DATASET_HEAD = `apiVersion: ml.ferry.dev/v1alpha1
kind: Dataset
metadata:
  name: iris
spec:
  source: { uri: "file:///data/iris.csv" }
  schema: { features: [{ name: a, type: numeric }] }
`;

describe('mapping keys', () => {
  it('checks 200,000 keys in linear time, still finding a repeated one', async () => {
    await write('keys/map.yaml', configMap(200_000, '  key-7: again\n'));
    const run = await ferry(['validate', 'map.yaml'], join(scratch, 'keys'));
    expect(run.stdout).toBe(
      'map.yaml:200006:3  -  -  YAML syntax error: Map keys must be unique: "key-7" is already a key of this mapping\n' +
        '1 file, 0 Ferry objects: 1 error, 0 warnings\n',
    );
    expect(run.status).toBe(1);
    expect(run.seconds).toBeLessThan(60);
  });
});

describe('file size', () => {
  it('refuses a file over --max-file-size (default 10 MiB) by name, without reading it', async () => {
    await write('size/big.yaml', configMap(1_000_000));
    const run = await ferry(['validate', 'big.yaml'], join(scratch, 'size'));
    expect(run.stdout).toBe(
      'big.yaml:1:1  -  -  file is larger than the 10485760-byte limit (--max-file-size); not checked\n' +
        '0 files, 0 Ferry objects: 1 error, 0 warnings\n',
    );
    expect(run.status).toBe(1);
    expect(run.seconds).toBeLessThan(20);
  });

  it('takes --max-file-size with binary suffixes, and refuses a value that is not a size', async () => {
    await write('flag/small.yaml', configMap(200));
    const cwd = join(scratch, 'flag');
    const refused = await ferry(['validate', '--max-file-size', '1Ki', 'small.yaml'], cwd);
    expect(refused.stdout).toContain(
      'small.yaml:1:1  -  -  file is larger than the 1024-byte limit (--max-file-size); not checked',
    );
    expect(refused.status).toBe(1);
    const accepted = await ferry(['validate', '--max-file-size', '1MiB', 'small.yaml'], cwd);
    expect(accepted.stdout).toBe(
      '1 file, 0 Ferry objects (+1 of other kinds, not checked): 0 errors, 0 warnings\n',
    );
    expect(accepted.status).toBe(0);
    const bad = await ferry(['validate', '--max-file-size', 'ten', 'small.yaml'], cwd);
    expect(bad.stderr).toContain('--max-file-size "ten" is not a size');
    expect(bad.status).toBe(2);
  });

  it('reports a 10 MB flow sequence within a 512 MiB heap instead of running out of memory', async () => {
    const items = Array.from({ length: 5_000_000 }, () => '1').join(',');
    await write('flow/flow.yaml', `apiVersion: v1\nkind: List\nitems: [${items}]\n`);
    const run = await ferry(['validate', 'flow.yaml'], join(scratch, 'flow'));
    expect(run.stdout).toBe(
      'flow.yaml:1:1  -  -  YAML error: the file holds more than 2621440 YAML tokens, more than its size limit allows (0.25 a byte); nothing in it was checked\n' +
        '1 file, 0 Ferry objects: 1 error, 0 warnings\n',
    );
    expect(run.status).toBe(1);
    expect(run.seconds).toBeLessThan(60);
  });

  it('refuses /dev/zero named on the command line at the size limit', async () => {
    const run = await ferry(['validate', '/dev/zero'], scratch);
    expect(run.stdout).toBe(
      '/dev/zero:1:1  -  -  file is larger than the 10485760-byte limit (--max-file-size); not checked\n' +
        '0 files, 0 Ferry objects: 1 error, 0 warnings\n',
    );
    expect(run.status).toBe(1);
    expect(run.seconds).toBeLessThan(20);
  });
});

describe('large reports', () => {
  it('prints all of 150,000 problems and the summary', async () => {
    const unknown = Array.from({ length: 150_000 }, (_, index) => `  field${index}: 1\n`);
    await write('report/many.yaml', DATASET_HEAD + unknown.join(''));
    const run = await ferry(['validate', 'many.yaml'], join(scratch, 'report'));
    const lines = run.stdout.split('\n');
    expect(lines).toHaveLength(150_002);
    expect(lines[0]).toBe('many.yaml:8:3  Dataset/iris  .spec.field0  unknown field "field0"');
    expect(lines[149_999]).toBe(
      'many.yaml:150007:3  Dataset/iris  .spec.field149999  unknown field "field149999"',
    );
    expect(lines[150_000]).toBe('1 file, 1 Ferry object: 150000 errors, 0 warnings');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    expect(run.seconds).toBeLessThan(90);
  });
});

describe('directory walks', () => {
  it('ends on symlinks that loop back, and reads each file once', async () => {
    await write('loops/d/dataset.yaml', DATASET_HEAD);
    await symlink('.', join(scratch, 'loops/d/a.yaml'));
    await symlink('.', join(scratch, 'loops/d/b.yaml'));
    await symlink('..', join(scratch, 'loops/d/up'));
    await symlink('dataset.yaml', join(scratch, 'loops/d/same.yaml'));
    const run = await ferry(['validate', 'd'], join(scratch, 'loops'));
    expect(run.stdout).toBe('1 file, 1 Ferry object: 0 errors, 0 warnings\n');
    expect(run.status).toBe(0);
    expect(run.seconds).toBeLessThan(20);
  });

  it('follows a symlink to another directory', async () => {
    await write('linked/elsewhere/dataset.yaml', `${DATASET_HEAD}bogus: 1\n`);
    await mkdir(join(scratch, 'linked/repo'), { recursive: true });
    await symlink('../elsewhere', join(scratch, 'linked/repo/manifests'));
    const run = await ferry(['validate', 'repo'], join(scratch, 'linked'));
    expect(run.stdout).toContain(
      'repo/manifests/dataset.yaml:8:1  Dataset/iris  .bogus  unknown field "bogus"',
    );
    expect(run.status).toBe(1);
  });

  it('skips a FIFO named .yaml with a warning instead of blocking on it', async () => {
    await write('fifo/dataset.yaml', DATASET_HEAD);
    const made = spawnSync('mkfifo', [join(scratch, 'fifo/pipe.yaml')]);
    expect(made.status).toBe(0);
    const run = await ferry(['validate', '.'], join(scratch, 'fifo'));
    expect(run.stdout).toBe(
      'pipe.yaml:1:1  -  -  warning: a FIFO, not a regular file: skipped\n' +
        '1 file, 1 Ferry object: 0 errors, 1 warning\n',
    );
    expect(run.status).toBe(0);
    expect(run.seconds).toBeLessThan(20);
  });
});
