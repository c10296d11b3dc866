/**
 * Local-branch mode: without GitHub, a promotion is a branch with one commit in a real git
 * repository, made with plumbing, leaving HEAD, the index and the working tree alone.
 */
import { execFile, spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRepository } from '../../operator/src/gitops/promotion/local-repository.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import { eventually, startCluster, type TestCluster } from '../support/cluster.js';
import { NS } from '../support/ferry.js';
import { writeKubeconfig } from '../support/operator-process.js';
import {
  createIrisService,
  createReadyVersion,
  gitIn,
  IRIS_MANIFEST,
  OTHER_MANIFEST,
  promotionIn,
  startPromotion,
} from '../support/promotion.js';

const BRANCH = 'ferry/promote/iris/iris-v2';

/** `git daemon` serving the repositories under `base` on loopback, pushes allowed. */
async function startGitDaemon(base: string): Promise<{ port: number; stop: () => void }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as AddressInfo;
      probe.close(() => {
        resolve(free);
      });
    });
  });
  const daemon = spawn('git', [
    'daemon',
    '--reuseaddr',
    '--export-all',
    '--enable=receive-pack',
    '--listen=127.0.0.1',
    `--port=${port}`,
    `--base-path=${base}`,
    base,
  ]);
  await eventually(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => {
          resolve(false);
        });
      }),
    10_000,
    'git daemon',
  );
  return {
    port,
    stop: () => {
      daemon.kill();
    },
  };
}

let cluster: TestCluster;
let work: string;

beforeAll(async () => {
  cluster = await startCluster({ crds: true });
  work = await mkdtemp(join(tmpdir(), 'ferry-promotion-local-'));
});

afterAll(async () => {
  await cluster.stop();
  await rm(work, { recursive: true, force: true });
});

async function repositoryWithManifests(dir: string): Promise<void> {
  await mkdir(join(dir, 'deploy'), { recursive: true });
  await gitIn(dir, 'init', '-q', '-b', 'main');
  await writeFile(join(dir, 'deploy', 'iris.yaml'), IRIS_MANIFEST);
  await writeFile(join(dir, 'deploy', 'settings.yaml'), OTHER_MANIFEST);
  await gitIn(dir, 'add', '.');
  await gitIn(dir, 'commit', '-q', '-m', 'iris service');
}

describe('local-branch promotion', () => {
  it('creates one branch with a one-line commit, never touching HEAD or the working tree; git merge works', async () => {
    const repo = join(work, 'models');
    await repositoryWithManifests(repo);
    // An uncommitted edit, and a file staged in the index: both must survive untouched.
    await writeFile(join(repo, 'deploy', 'iris.yaml'), `${IRIS_MANIFEST}# work in progress\n`);
    await writeFile(join(repo, 'notes.txt'), 'staged\n');
    await gitIn(repo, 'add', 'notes.txt');
    const headBefore = await gitIn(repo, 'rev-parse', 'HEAD');
    const statusBefore = await gitIn(repo, 'status', '--porcelain');
    const indexBefore = await readFile(join(repo, '.git', 'index'));

    await createReadyVersion(cluster, { name: 'iris-v1', accuracy: 0.92 });
    await createReadyVersion(cluster, { name: 'iris-v2', accuracy: 0.96 });
    await createIrisService(cluster);
    const promotion = await startPromotion(cluster, {
      repository: new LocalRepository({ gitDir: repo }),
      trackedBranch: 'main',
      recheckMs: 200,
    });
    try {
      const version = await promotionIn(cluster, 'iris-v2', 'Open');
      expect(version.status?.promotion).toEqual({
        branch: BRANCH,
        state: 'Open',
        service: 'iris',
        message: `merge it with: git merge ${BRANCH}`,
      });

      // One commit on top of main, changing exactly one line of one file.
      expect((await gitIn(repo, 'rev-list', `main..${BRANCH}`)).trim().split('\n')).toHaveLength(1);
      expect((await gitIn(repo, 'diff', '--name-only', 'main', BRANCH)).trim()).toBe(
        'deploy/iris.yaml',
      );
      const diff = await gitIn(repo, 'diff', '--unified=0', 'main', BRANCH);
      const changed = diff.split('\n').filter((line) => /^[-+](?![-+])/.test(line));
      expect(changed).toEqual([
        '-  modelVersion: iris-v1   # bumped by pull request',
        '+  modelVersion: iris-v2   # bumped by pull request',
      ]);
      const message = await gitIn(repo, 'log', '-1', '--format=%B', BRANCH);
      expect(message).toContain('Promote iris to iris-v2');
      expect(message).toContain('| accuracy | 0.96 | 0.92 | +0.04 |');

      expect(await gitIn(repo, 'rev-parse', 'HEAD')).toBe(headBefore);
      expect((await gitIn(repo, 'symbolic-ref', 'HEAD')).trim()).toBe('refs/heads/main');
      expect(await gitIn(repo, 'status', '--porcelain')).toBe(statusBefore);
      expect(await readFile(join(repo, '.git', 'index'))).toEqual(indexBefore);
      expect(await readFile(join(repo, 'deploy', 'iris.yaml'), 'utf8')).toBe(
        `${IRIS_MANIFEST}# work in progress\n`,
      );

      // A restart finds the branch and opens nothing new.
      const tip = await gitIn(repo, 'rev-parse', BRANCH);
      await promotion.stop();
      const again = await startPromotion(cluster, {
        repository: new LocalRepository({ gitDir: repo }),
        trackedBranch: 'main',
        recheckMs: 200,
      });
      try {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect(await gitIn(repo, 'rev-parse', BRANCH)).toBe(tip);
        expect((await gitIn(repo, 'branch', '--list', 'ferry/*')).trim()).toBe(BRANCH);

        // The person merges as the status says; Ferry sees the branch merged.
        await gitIn(repo, 'stash', '-q');
        await gitIn(repo, 'merge', '-q', '--no-edit', BRANCH);
        await gitIn(repo, 'stash', 'pop', '-q');
        expect(await readFile(join(repo, 'deploy', 'iris.yaml'), 'utf8')).toContain(
          'modelVersion: iris-v2   # bumped by pull request',
        );
        const merged = await promotionIn(cluster, 'iris-v2', 'Merged');
        expect(merged.status?.promotion?.message).toBeUndefined();
      } finally {
        await again.stop();
      }
    } finally {
      await promotion.stop();
    }

    const kubeconfig = await writeKubeconfig(cluster);
    const { stdout } = await promisify(execFile)('/usr/bin/kubectl', ['get', 'mv', 'iris-v2'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: work, KUBECONFIG: kubeconfig },
    });
    const [header, row] = stdout.trim().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual([
      'NAME',
      'MODEL',
      'VERSION',
      'STAGE',
      'METRIC',
      'PROMOTION',
      'BRANCH',
      'READY',
      'AGE',
    ]);
    expect(row).toMatch(
      /^iris-v2\s+iris\s+v2\s+Candidate\s+Merged\s+ferry\/promote\/iris\/iris-v2\s+True\s/,
    );
  });

  it('pushes the branch to a remote served by git daemon, which is otherwise untouched', async () => {
    for (const name of ['iris-v1', 'iris-v2'])
      await cluster.client.delete(FerryResources.modelVersion, NS, name);
    await cluster.client.delete(FerryResources.inferenceService, NS, 'iris');
    const source = join(work, 'source');
    await repositoryWithManifests(source);
    const served = join(work, 'served');
    await mkdir(served);
    await gitIn(served, 'clone', '-q', '--bare', source, join(served, 'models.git'));
    const daemon = await startGitDaemon(served);
    const remote = `git://127.0.0.1:${daemon.port}/models.git`;
    const refsBefore = await gitIn(join(served, 'models.git'), 'for-each-ref');
    await createReadyVersion(cluster, { name: 'iris-v1', accuracy: 0.92 });
    await createReadyVersion(cluster, { name: 'iris-v2', accuracy: 0.96 });
    await createIrisService(cluster);
    const promotion = await startPromotion(cluster, {
      repository: await LocalRepository.withRemote(join(work, 'cache.git'), remote),
      trackedBranch: 'main',
      recheckMs: 200,
    });
    try {
      const version = await promotionIn(cluster, 'iris-v2', 'Open');
      expect(version.status?.promotion?.message).toBe(
        `open a pull request from ${BRANCH} into main, or merge it with: git fetch origin ${BRANCH} && git merge FETCH_HEAD`,
      );
    } finally {
      await promotion.stop();
      daemon.stop();
    }
    const bare = join(served, 'models.git');
    const refsAfter = await gitIn(bare, 'for-each-ref');
    expect(refsAfter.split('\n').filter((line) => !line.endsWith(`refs/heads/${BRANCH}`))).toEqual(
      refsBefore.split('\n'),
    );
    const diff = await gitIn(bare, 'diff', '--unified=0', 'main', BRANCH);
    expect(diff.split('\n').filter((line) => /^[-+](?![-+])/.test(line))).toEqual([
      '-  modelVersion: iris-v1   # bumped by pull request',
      '+  modelVersion: iris-v2   # bumped by pull request',
    ]);
  });
});
