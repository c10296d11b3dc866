/**
 * `ferry operator --github-repo` with no local repository: the tracked branch is read
 * through GitHub's API (the OpenAPI-checked stand-in), applied, and each sync is reported
 * as the commit status `ferry/sync`; steady-state polls are answered 304.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestCluster } from '../support/cluster.js';
import { NS, startFerryCluster } from '../support/ferry.js';
import { git } from '../support/git.js';
import { GitHubStandIn } from '../support/github/standin.js';
import type { Api } from '../support/kubelet.js';
import { startGitHubOperator } from '../support/gitops.js';
import type { OperatorProcess } from '../support/operator-process.js';

const TOKEN = 'ghp_ferrytesttoken000000000000000000000';

const settings = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  value: "${value}"
`;

describe('ferry operator --github-repo', () => {
  let cluster: TestCluster;
  let api: Api;
  let kubeconfig: string;
  let github: GitHubStandIn;
  let work: string;
  let clone: string;
  let operator: OperatorProcess;

  async function push(value: string): Promise<string> {
    await writeFile(join(clone, 'settings.yaml'), settings(value));
    await git(clone, 'add', '.');
    await git(clone, 'commit', '-q', '-m', `settings ${value}`);
    await git(clone, 'push', '-q', 'origin', 'HEAD:main');
    return git(clone, 'rev-parse', 'HEAD');
  }

  beforeAll(async () => {
    ({ cluster, api, kubeconfig } = await startFerryCluster());
    github = await GitHubStandIn.start({ owner: 'ferry-ml', repo: 'models', token: TOKEN });
    work = await mkdtemp(join(tmpdir(), 'ferry-github-sync-'));
    clone = join(work, 'clone');
    await git(work, 'clone', '-q', github.gitDir, clone);
    await writeFile(join(work, 'token'), `${TOKEN}\n`);
  });
  afterAll(async () => {
    await operator.stop();
    await cluster.stop();
    await github.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('syncs the branch through the API and reports ferry/sync on the commit', async () => {
    const first = await push('one');
    operator = await startGitHubOperator(kubeconfig, github, join(work, 'token'), '300ms');
    const value = async () =>
      (
        (await api
          .request('GET', `/api/v1/namespaces/${NS}/configmaps/settings`)
          .catch(() => undefined)) as { data?: { value?: string } } | undefined
      )?.data?.value;
    await eventually(async () => (await value()) === 'one', 30_000, 'settings applied');
    await eventually(
      () =>
        Promise.resolve(
          github.statuses.get(first)?.find((status) => status.context === 'ferry/sync')?.state ===
            'success',
        ),
      30_000,
      'ferry/sync success on the first commit',
    );

    const second = await push('two');
    await eventually(async () => (await value()) === 'two', 30_000, 'settings updated');
    await eventually(
      () => Promise.resolve(github.statuses.get(second)?.[0]?.state === 'success'),
      30_000,
      'ferry/sync success on the second commit',
    );

    // Steady state: the branch is polled with If-None-Match and answered 304.
    const before = github.exchanges.length;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const polls = github.exchanges
      .slice(before)
      .filter((exchange) => /git\/ref/.test(exchange.path));
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((exchange) => exchange.status === 304)).toBe(true);
    expect(github.violations).toEqual([]);
    expect(operator.logs()).not.toContain(TOKEN);
  });
});
