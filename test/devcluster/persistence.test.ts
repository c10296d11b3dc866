/** --state-dir: objects and registered kinds survive a restart; torn journal tails are ignored. */
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { DevCluster } from '../../operator/src/devcluster/index.js';
import { CRDS, REPO } from './helpers.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'devcluster-state-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function post(
  cluster: DevCluster,
  path: string,
  body: unknown,
): Promise<Record<string, { resourceVersion: string; uid: string }>> {
  const response = await fetch(`${cluster.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Record<string, { resourceVersion: string; uid: string }>;
}

async function get(
  cluster: DevCluster,
  path: string,
): Promise<{ status: number; body: Record<string, { resourceVersion: string; uid: string }> }> {
  const response = await fetch(`${cluster.url}${path}`);
  return {
    status: response.status,
    body: (await response.json()) as Record<string, { resourceVersion: string; uid: string }>,
  };
}

describe('persistence', () => {
  it('restores objects, resourceVersions and CRD-registered kinds after a restart', async () => {
    const dir = await tempDir();
    const first = await DevCluster.start({ stateDir: dir });
    await post(
      first,
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      parse(await readFile(join(CRDS, 'ml.ferry.dev_datasets.yaml'), 'utf8')),
    );
    const created = await post(first, '/apis/ml.ferry.dev/v1alpha1/namespaces/default/datasets', {
      apiVersion: 'ml.ferry.dev/v1alpha1',
      kind: 'Dataset',
      metadata: { name: 'iris' },
      spec: { source: { uri: 'file:///iris.csv' } },
    });
    await post(first, '/api/v1/namespaces/default/configmaps', { metadata: { name: 'keep' } });
    const deleted = await post(first, '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'gone' },
    });
    await fetch(`${first.url}/api/v1/namespaces/default/configmaps/gone`, { method: 'DELETE' });
    await first.stop();

    const second = await DevCluster.start({ stateDir: dir });
    try {
      const restored = await get(
        second,
        '/apis/ml.ferry.dev/v1alpha1/namespaces/default/datasets/iris',
      );
      expect(restored.status).toBe(200);
      expect(restored.body['metadata']?.uid).toBe(created['metadata']?.uid);
      expect(restored.body['metadata']?.resourceVersion).toBe(created['metadata']?.resourceVersion);
      expect((await get(second, '/api/v1/namespaces/default/configmaps/keep')).status).toBe(200);
      expect((await get(second, '/api/v1/namespaces/default/configmaps/gone')).status).toBe(404);
      const next = await post(second, '/api/v1/namespaces/default/configmaps', {
        metadata: { name: 'after' },
      });
      expect(Number(next['metadata']?.resourceVersion)).toBeGreaterThan(
        Number(deleted['metadata']?.resourceVersion) + 1,
      );
    } finally {
      await second.stop();
    }
  });

  it('keeps every acknowledged write without a clean stop, ignoring a torn last line', async () => {
    const dir = await tempDir();
    const first = await DevCluster.start({ stateDir: dir });
    await post(first, '/api/v1/namespaces/default/configmaps', {
      metadata: { name: 'acknowledged' },
    });
    // No stop(): as if the process died here, mid-way through writing the next record.
    await appendFile(
      join(dir, 'journal.ndjson'),
      '{"storage":"/configmaps","key":"default/torn","rv":9',
    );
    const second = await DevCluster.start({ stateDir: dir });
    try {
      expect((await get(second, '/api/v1/namespaces/default/configmaps/acknowledged')).status).toBe(
        200,
      );
      expect((await get(second, '/api/v1/namespaces/default/configmaps/torn')).status).toBe(404);
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});

describe('ferry devcluster', () => {
  it('prints its kubeconfig and server, serves, and stops cleanly on SIGTERM', async () => {
    const dir = await tempDir();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO, 'operator/src/cli/main.ts'),
        'devcluster',
        '--port',
        '0',
        '--state-dir',
        dir,
      ],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 20_000;
    while (!/server: http:\/\/127\.0\.0\.1:\d+\n/.test(stdout)) {
      if (Date.now() > deadline) throw new Error(`devcluster did not start: ${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(stdout).toMatch(
      new RegExp(
        `^kubeconfig: ${join(dir, 'kubeconfig')}\\nserver: http://127\\.0\\.0\\.1:\\d+\\n$`,
      ),
    );
    const server = /server: (\S+)/.exec(stdout)?.[1] ?? '';
    const version = (await (await fetch(`${server}/version`)).json()) as { minor: string };
    expect(version.minor).toBe('32');
    expect((await stat(join(dir, 'kubeconfig'))).isFile()).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
