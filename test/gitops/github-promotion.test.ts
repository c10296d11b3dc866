/**
 * Promotion and revert pull requests against the GitHub stand-in, through the real octokit
 * client configured as Ferry configures it, with every exchange checked against GitHub's
 * OpenAPI description.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import { createGitHubClient } from '../../operator/src/gitops/github/client.js';
import { GitHubRepository } from '../../operator/src/gitops/promotion/github-repository.js';
import type { Logger, LogFields } from '../../operator/src/runtime/logger.js';
import { eventually, startCluster, type TestCluster } from '../support/cluster.js';
import { NS } from '../support/ferry.js';
import { GitHubStandIn } from '../support/github/standin.js';
import {
  createIrisService,
  createReadyVersion,
  gitIn,
  IRIS_MANIFEST,
  OTHER_MANIFEST,
  promotionIn,
  startPromotion,
  type RunningPromotion,
} from '../support/promotion.js';

const TOKEN = 'ghp_FerryTestTokenThatMustNeverBeLogged0001';
const OWNER = 'ferry-ml';
const REPO = 'models';

let cluster: TestCluster;
let github: GitHubStandIn;
let work: string;
const lines: string[] = [];

function capturingLogger(bindings: LogFields = {}): Logger {
  const write =
    (level: string) =>
    (fields: LogFields, message: string): void => {
      lines.push(JSON.stringify({ level, ...bindings, ...fields, message }));
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => capturingLogger({ ...bindings, ...more }),
  };
}

function repository(): GitHubRepository {
  const client = createGitHubClient({
    auth: { kind: 'token', token: TOKEN },
    apiUrl: github.url,
    log: capturingLogger(),
    retryAfterBaseMs: 100,
  });
  return new GitHubRepository(client, { owner: OWNER, name: REPO });
}

function promotion(): Promise<RunningPromotion> {
  return startPromotion(cluster, {
    repository: repository(),
    trackedBranch: 'main',
    recheckMs: 300,
    log: capturingLogger(),
  });
}

async function diffLines(from: string, to: string): Promise<string[]> {
  const diff = await github.git(['diff', '--unified=0', from, to]);
  return diff.split('\n').filter((line) => /^[-+](?![-+])/.test(line));
}

beforeAll(async () => {
  cluster = await startCluster({ crds: true });
  github = await GitHubStandIn.start({ owner: OWNER, repo: REPO, token: TOKEN });
  work = await mkdtemp(join(tmpdir(), 'ferry-github-'));
  const clone = join(work, 'clone');
  await gitIn(work, 'clone', '-q', github.gitDir, clone);
  await mkdir(join(clone, 'deploy'));
  await writeFile(join(clone, 'deploy', 'iris.yaml'), IRIS_MANIFEST);
  await writeFile(join(clone, 'deploy', 'settings.yaml'), OTHER_MANIFEST);
  await gitIn(clone, 'add', '.');
  await gitIn(clone, 'commit', '-q', '-m', 'iris service');
  await gitIn(clone, 'push', '-q', 'origin', 'HEAD:main');
  await createReadyVersion(cluster, { name: 'iris-v1', accuracy: 0.92 });
  await createReadyVersion(cluster, { name: 'iris-v2', accuracy: 0.96 });
}, 30_000);

afterEach(() => {
  expect(github.violations).toEqual([]);
  expect(lines.filter((line) => line.includes(TOKEN))).toEqual([]);
});

afterAll(async () => {
  await cluster.stop();
  await github.stop();
  await rm(work, { recursive: true, force: true });
});

describe('promotion pull requests on GitHub', () => {
  it('opens one pull request whose diff is one line, after a rate-limit response', async () => {
    await createIrisService(cluster);
    github.rateLimitOnce('secondary');
    const running = await promotion();
    try {
      const version = await promotionIn(cluster, 'iris-v2', 'Open');
      expect(version.status?.promotion).toMatchObject({
        branch: 'ferry/promote/iris/iris-v2',
        state: 'Open',
        number: 1,
        url: `https://github.com/${OWNER}/${REPO}/pull/1`,
      });
    } finally {
      await running.stop();
    }
    expect(github.exchanges.filter((exchange) => exchange.status === 429)).toHaveLength(1);
    expect(lines.some((line) => line.includes('GitHub secondary rate limit'))).toBe(true);

    const [pull] = github.pulls;
    expect(github.pulls).toHaveLength(1);
    expect(pull).toMatchObject({
      head: 'ferry/promote/iris/iris-v2',
      base: 'main',
      title: 'Promote iris to iris-v2',
    });
    expect(await diffLines('main', 'ferry/promote/iris/iris-v2')).toEqual([
      '-  modelVersion: iris-v1   # bumped by pull request',
      '+  modelVersion: iris-v2   # bumped by pull request',
    ]);
    expect(await github.git(['show', 'ferry/promote/iris/iris-v2:deploy/iris.yaml'])).toBe(
      IRIS_MANIFEST.replace('modelVersion: iris-v1', 'modelVersion: iris-v2'),
    );
    expect(
      (await github.git(['rev-list', 'main..ferry/promote/iris/iris-v2'])).trim().split('\n'),
    ).toHaveLength(1);
    const body = pull?.body ?? '';
    expect(body).toContain('| accuracy | 0.96 | 0.92 | +0.04 |');
    expect(body).toContain('| f1_macro | 0.94 | 0.9 | +0.04 |');
    expect(body).toContain(`- Dataset: \`iris\` at \`sha256:${'d'.repeat(64)}\``);
    expect(body).toContain('- Training job: `train-iris-v2`');
    expect(body).toContain('- Hyperparameters: `C=1`, `max_iter=200`');
    expect(body).toContain(`- Source commit: \`${'e'.repeat(40)}\``);
    expect(body).toContain('- pass: accuracy 0.96 ≥ 0.9');
    expect(body).toContain('1. 10% of traffic to the canary for 1m');
    expect(body).toContain('2. 50% of traffic to the canary for 2m');
  }, 30_000);

  it('opens no second pull request after a restart, and steady polls are answered 304', async () => {
    const before = github.exchanges.length;
    const running = await promotion();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await running.stop();
    expect(github.pulls).toHaveLength(1);
    const polls = github.exchanges
      .slice(before)
      .filter((exchange) => exchange.operationId === 'pulls/list');
    // The first look at the one open pull request is a 200; every poll after it is a 304.
    expect(polls.length).toBeGreaterThan(2);
    expect(polls.map((exchange) => exchange.status)).toEqual([
      200,
      ...polls.slice(1).map(() => 304),
    ]);
  }, 30_000);

  it('two reconcilers at once open exactly one pull request for a new best version', async () => {
    await createReadyVersion(cluster, { name: 'iris-v3', accuracy: 0.98 });
    const [a, b] = await Promise.all([promotion(), promotion()]);
    try {
      await promotionIn(cluster, 'iris-v3', 'Open');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(github.pulls.filter((pull) => pull.head === 'ferry/promote/iris/iris-v3')).toHaveLength(
      1,
    );
    expect(await github.git(['for-each-ref', '--format=%(refname)', 'refs/heads/ferry/'])).toBe(
      'refs/heads/ferry/promote/iris/iris-v2\nrefs/heads/ferry/promote/iris/iris-v3\n',
    );
  }, 30_000);

  it('a pull request closed without merging is recorded and never proposed again', async () => {
    const pull = github.pulls.find((candidate) => candidate.head === 'ferry/promote/iris/iris-v3');
    if (pull === undefined) throw new Error('no pull request for iris-v3');
    pull.state = 'closed';
    await github.git(['update-ref', '-d', 'refs/heads/ferry/promote/iris/iris-v3']);
    const running = await promotion();
    try {
      await promotionIn(cluster, 'iris-v3', 'Closed');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      await running.stop();
    }
    expect(
      github.pulls.filter((candidate) => candidate.head === 'ferry/promote/iris/iris-v3'),
    ).toHaveLength(1);
    expect(await github.branchHead('ferry/promote/iris/iris-v3')).toBeUndefined();
  }, 30_000);

  it('AutoMerge merges once the required check passes', async () => {
    await cluster.client.mergePatch(
      FerryResources.inferenceService,
      NS,
      'iris',
      { spec: { promotion: { policy: 'AutoMerge' } } },
      'test',
    );
    github.requiredChecks = ['ci/validate'];
    const pull = github.pulls.find((candidate) => candidate.head === 'ferry/promote/iris/iris-v2');
    if (pull === undefined) throw new Error('no pull request for iris-v2');
    const running = await promotion();
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(pull.state).toBe('open');
      github.statuses.set(pull.headSha, [
        { state: 'success', context: 'ci/validate', description: 'ok' },
      ]);
      await promotionIn(cluster, 'iris-v2', 'Merged');
    } finally {
      await running.stop();
    }
    expect(pull.mergedSha).toBeDefined();
    expect(await github.git(['show', 'main:deploy/iris.yaml'])).toContain(
      'modelVersion: iris-v2   # bumped by pull request',
    );
  }, 30_000);

  it('after a rollback of the merged version, opens one revert pull request with the figures', async () => {
    await cluster.client.mergePatch(
      FerryResources.inferenceService,
      NS,
      'iris',
      { spec: { modelVersion: 'iris-v2', promotion: { policy: 'PullRequest' } } },
      'test',
    );
    await cluster.client.applyStatus(
      FerryResources.inferenceService,
      NS,
      'iris',
      {
        stableVersion: 'iris-v1',
        lastRollback: {
          version: 'iris-v2',
          reason: 'ErrorRateExceeded',
          message: 'error rate 0.2 exceeds 0.01 after 120 requests',
          time: '2026-11-22T10:00:00Z',
          retry: '',
        },
      },
      'ferry-operator',
    );
    github.rateLimitOnce('primary');
    const running = await promotion();
    try {
      await eventually(
        () => github.pulls.find((candidate) => candidate.head === 'ferry/revert/iris/iris-v2'),
        20_000,
        'a revert pull request',
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      await running.stop();
    }
    expect(github.exchanges.filter((exchange) => exchange.status === 403)).toHaveLength(1);
    const reverts = github.pulls.filter(
      (candidate) => candidate.head === 'ferry/revert/iris/iris-v2',
    );
    expect(reverts).toHaveLength(1);
    expect(reverts[0]?.title).toBe('Revert iris to iris-v1');
    expect(reverts[0]?.body).toContain('- Reason: ErrorRateExceeded');
    expect(reverts[0]?.body).toContain('- Figures: error rate 0.2 exceeds 0.01 after 120 requests');
    expect(await diffLines('main', 'ferry/revert/iris/iris-v2')).toEqual([
      '-  modelVersion: iris-v2   # bumped by pull request',
      '+  modelVersion: iris-v1   # bumped by pull request',
    ]);
  }, 30_000);

  it('opens a retraining pull request that adds a new manifest beside the others', async () => {
    const github$ = repository();
    const base = (await github$.head('main')) ?? '';
    const branch = 'ferry/retrain/iris-drift/iris-drift-retrain-20261201120000';
    const content = 'apiVersion: ml.ferry.dev/v1alpha1\nkind: TrainingJob\n';
    const request = {
      branch,
      baseBranch: 'main',
      baseCommit: base,
      file: { path: 'deploy/iris-drift-retrain-20261201120000.yaml', mode: '100644', sha: '' },
      content,
      title: 'Retrain iris after drift',
      commitMessage: 'Retrain iris after drift',
      body: '| feature | method | statistic | p-value | threshold | drifted |',
    };
    const opened = await github$.open(request);
    expect(opened).toMatchObject({ branch, state: 'Open' });
    // Asked again (a restart), the same pull request comes back.
    expect(await github$.open(request)).toEqual(opened);
    expect(await github$.find(branch)).toEqual(opened);
    expect(await github.git(['diff', '--name-status', `${base}..${branch}`])).toBe(
      'A\tdeploy/iris-drift-retrain-20261201120000.yaml\n',
    );
    expect(
      await github.git(['show', `${branch}:deploy/iris-drift-retrain-20261201120000.yaml`]),
    ).toBe(content);
    expect(github.pulls.filter((pull) => pull.head === branch)).toHaveLength(1);
  });
});
