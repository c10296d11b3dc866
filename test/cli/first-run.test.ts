/**
 * What a first run of the CLI meets, through the built `ferry`: `--version`, and
 * `ferry devcluster` leaving the current folder as it was.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/cluster.js';
import { FERRY_CLI } from '../support/up-process.js';

describe('the ferry CLI on a first run', { timeout: 30_000 }, () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as {
      version: string;
    };
    const { stdout } = await promisify(execFile)(process.execPath, [FERRY_CLI, '--version']);
    expect(stdout).toBe(`ferry ${version}\n`);
  });

  it('ferry devcluster without --state-dir writes nothing into the current folder', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'ferry-cwd-'));
    const child = spawn(process.execPath, [FERRY_CLI, 'devcluster'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 20_000;
    while (!/server: \S+\n/.test(stdout)) {
      if (Date.now() > deadline) throw new Error(`devcluster did not start: ${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const kubeconfig = /^kubeconfig: (\S+)$/m.exec(stdout)?.[1] ?? '';
    expect((await stat(kubeconfig)).isFile()).toBe(true);
    expect(await readdir(cwd)).toEqual([]);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(stat(kubeconfig)).rejects.toThrow();
    expect(await readdir(cwd)).toEqual([]);
    await rm(cwd, { recursive: true, force: true });
  });
});
