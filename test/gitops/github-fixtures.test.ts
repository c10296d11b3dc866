/**
 * Ferry's GitHub client code against recorded real GitHub traffic (@octokit/fixtures),
 * through octokit configured as Ferry configures it; each recorded response is also
 * checked against GitHub's OpenAPI description.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../operator/src/gitops/github/client.js';
import { ConditionalGets } from '../../operator/src/gitops/github/conditional.js';
import { GitHubPullRequests } from '../../operator/src/gitops/github/pull-requests.js';
import { noopLogger } from '../../operator/src/runtime/logger.js';
import { GitHubOpenApi } from '../support/github/openapi.js';
import { FixtureReplay, scenario, type RecordedExchange } from '../support/github/replay.js';

const TOKEN = '0000000000000000000000000000000000000001';
const SHA = '0000000000000000000000000000000000000001';
const openApi = new GitHubOpenApi();
let replay: FixtureReplay | undefined;

async function pullRequestsFor(
  name: string,
  recorded: readonly RecordedExchange[],
): Promise<GitHubPullRequests> {
  for (const exchange of recorded) {
    const operation = openApi.operation(exchange.method, exchange.path.replace(/\/$/, ''));
    if (operation === undefined) throw new Error(`${exchange.path} is not an operation`);
    expect(
      openApi.checkResponse(
        operation,
        exchange.status,
        exchange.response === '' ? undefined : exchange.response,
      ),
    ).toEqual([]);
  }
  replay = await FixtureReplay.start(recorded);
  const github = createGitHubClient({
    auth: { kind: 'token', token: TOKEN },
    apiUrl: replay.url,
    log: noopLogger,
  });
  const repository = { owner: 'octokit-fixture-org', name };
  return new GitHubPullRequests(github, repository, new ConditionalGets(github, repository));
}

afterEach(async () => {
  expect(replay?.mismatches).toEqual([]);
  expect(replay?.pending).toBe(0);
  await replay?.stop();
  replay = undefined;
});

describe('Ferry’s GitHub calls replayed against recorded GitHub traffic', () => {
  it('create-status: commit statuses, then the combined status', async () => {
    const recorded = scenario('create-status');
    const pulls = await pullRequestsFor(
      'create-status',
      [recorded[0], recorded[1], recorded[3]].filter((e) => e !== undefined),
    );
    await pulls.createStatus(
      SHA,
      'failure',
      'example/1',
      'create-status failure test',
      'https://example.com',
    );
    await pulls.createStatus(
      SHA,
      'success',
      'example/2',
      'create-status success test',
      'https://example.com',
    );
    expect(Object.fromEntries(await pulls.commitStatuses(SHA))).toEqual({
      'example/1': 'failure',
      'example/2': 'success',
    });
  });

  it('git-refs: creating a branch ref', async () => {
    const [, create] = scenario('git-refs');
    if (create === undefined) throw new Error('scenario changed');
    const pulls = await pullRequestsFor('git-refs', [create]);
    expect(await pulls.createBranchRef('test', '0000000000000000000000000000000000000002')).toBe(
      true,
    );
  });

  it('branch-protection: an unprotected branch requires no checks', async () => {
    const [unprotected] = scenario('branch-protection');
    if (unprotected === undefined) throw new Error('scenario changed');
    const pulls = await pullRequestsFor('branch-protection', [unprotected]);
    expect(await pulls.requiredChecks('main')).toEqual([]);
  });
});
