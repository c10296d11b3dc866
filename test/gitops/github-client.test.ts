import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGitHubAuth } from '../../operator/src/gitops/github/client.js';
import { proposalRepository } from '../../operator/src/gitops/promotion/setup.js';
import { noopLogger } from '../../operator/src/runtime/logger.js';
import {
  parseRepositoryName,
  repositoryFromGitUrl,
} from '../../operator/src/gitops/github/repository-name.js';

describe('repositoryFromGitUrl', () => {
  it.each([
    ['https://github.com/ferry-ml/models', { owner: 'ferry-ml', name: 'models' }],
    ['https://github.com/ferry-ml/models.git', { owner: 'ferry-ml', name: 'models' }],
    ['https://github.com/ferry-ml/models/', { owner: 'ferry-ml', name: 'models' }],
    [
      'https://x-access-token@github.com/ferry-ml/models.git',
      { owner: 'ferry-ml', name: 'models' },
    ],
    ['http://GitHub.com/Ferry-ML/my.models.git', { owner: 'Ferry-ML', name: 'my.models' }],
    ['ssh://git@github.com/ferry-ml/models.git', { owner: 'ferry-ml', name: 'models' }],
    ['ssh://git@github.com:22/ferry-ml/models.git', { owner: 'ferry-ml', name: 'models' }],
    ['git@github.com:ferry-ml/models.git', { owner: 'ferry-ml', name: 'models' }],
    ['git@github.com:ferry-ml/models', { owner: 'ferry-ml', name: 'models' }],
    ['git://github.com/ferry-ml/models.git', { owner: 'ferry-ml', name: 'models' }],
    ['https://gitlab.com/ferry-ml/models.git', undefined],
    ['https://github.example.com/ferry-ml/models.git', undefined],
    ['git@gitlab.com:ferry-ml/models.git', undefined],
    ['https://github.com/ferry-ml', undefined],
    ['https://github.com/ferry-ml/models/tree/main', undefined],
    ['file:///srv/git/models.git', undefined],
    ['/srv/git/models', undefined],
  ])('%s', (url, expected) => {
    expect(repositoryFromGitUrl(url)).toEqual(expected);
  });
});

describe('parseRepositoryName', () => {
  it.each([
    ['ferry-ml/models', { owner: 'ferry-ml', name: 'models' }],
    ['ferry-ml/models.git', undefined],
    ['ferry-ml', undefined],
    ['a/b/c', undefined],
    ['/models', undefined],
  ])('%s', (value, expected) => {
    expect(parseRepositoryName(value)).toEqual(expected);
  });
});

describe('readGitHubAuth', () => {
  const TOKEN = 'ghp_RecognisableTokenValue42';
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-auth-'));
    await writeFile(join(dir, 'token'), `${TOKEN}\n`);
    await writeFile(
      join(dir, 'key.pem'),
      '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n',
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a token file, trimmed, ahead of the environment', async () => {
    expect(
      await readGitHubAuth({ tokenFile: join(dir, 'token'), tokenFromEnvironment: 'other' }),
    ).toEqual({
      kind: 'token',
      token: TOKEN,
    });
  });

  it('falls back to GITHUB_TOKEN', async () => {
    expect(await readGitHubAuth({ tokenFromEnvironment: TOKEN })).toEqual({
      kind: 'token',
      token: TOKEN,
    });
  });

  it('reads a GitHub App', async () => {
    expect(
      await readGitHubAuth({
        appId: '123',
        appKeyFile: join(dir, 'key.pem'),
        installationId: '456',
      }),
    ).toMatchObject({ kind: 'app', appId: '123', installationId: 456 });
  });

  it.each([
    [
      { appId: '123' },
      /needs all of --github-app-id, --github-app-key-file and --github-installation-id/,
    ],
    [
      { appId: '1', appKeyFile: 'k', installationId: 'x' },
      /--github-installation-id must be a positive integer/,
    ],
    [{}, /GitHub needs credentials/],
  ])('refuses %j', async (flags, message) => {
    await expect(readGitHubAuth(flags)).rejects.toThrow(message);
  });
});

describe('proposalRepository', () => {
  const cacheDir = join(tmpdir(), `ferry-setup-${process.pid}`);
  afterAll(() => rm(cacheDir, { recursive: true, force: true }));
  const base = {
    githubAuth: { tokenFromEnvironment: 'ghp_x' },
    cacheDir,
    log: noopLogger,
  };
  it.each([
    [{ githubRepo: 'ferry-ml/models' }, 'GitHub ferry-ml/models', true],
    [{ gitUrl: 'git@github.com:ferry-ml/models.git' }, 'GitHub ferry-ml/models', true],
    [
      { gitUrl: 'https://github.com/a/b', githubRepo: 'ferry-ml/models' },
      'GitHub ferry-ml/models',
      true,
    ],
    [{ gitDir: '/srv/models' }, '/srv/models', false],
    [{ gitUrl: 'file:///srv/git/models.git' }, 'file:///srv/git/models.git', false],
  ])('%j', async (flags, description, pullRequests) => {
    const repository = await proposalRepository({ ...base, ...flags });
    expect([repository.description, repository.pullRequests]).toEqual([description, pullRequests]);
  });

  it('refuses a malformed --github-repo and no repository at all', async () => {
    await expect(proposalRepository({ ...base, githubRepo: 'models' })).rejects.toThrow(
      /OWNER\/NAME/,
    );
    await expect(proposalRepository(base)).rejects.toThrow(/needs a repository/);
  });
});
