import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGitopsFlags } from '../../operator/src/cli/gitops-flags.js';

const context = (env: Record<string, string> = {}) => ({ env, reportNamespace: 'ferry-system' });

async function failure(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'no error',
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
}

describe('ferry operator git flags', () => {
  it('asks for no sync without a source', async () => {
    expect(await parseGitopsFlags({}, context())).toBeUndefined();
  });

  it('syncs through the GitHub API with only --github-repo', async () => {
    const parsed = await parseGitopsFlags({ 'github-repo': 'ferry-ml/models' }, context());
    expect(parsed?.location).toBeUndefined();
    expect(parsed?.options).toMatchObject({ branch: 'main', sync: true });
  });

  it('reads each setting from its flag, else from its FERRY_* variable, else the default', async () => {
    const parsed = await parseGitopsFlags(
      { 'git-branch': 'prod' },
      context({
        FERRY_GIT_DIR: '/srv/models',
        FERRY_GIT_BRANCH: 'ignored-for-the-flag',
        FERRY_GIT_PATH: 'deploy',
        FERRY_GIT_SYNC: 'false',
      }),
    );
    expect(parsed).toEqual({
      location: { kind: 'directory', directory: '/srv/models' },
      options: {
        branch: 'prod',
        path: 'deploy',
        intervalMs: 60_000,
        sync: false,
        webhookSecret: undefined,
        reportNamespace: 'ferry-system',
      },
    });
  });

  it('fetches a URL into the cache directory and reads the webhook secret without its newline', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'ferry-flags-')), 'secret');
    await writeFile(file, 's3cret\n');
    const parsed = await parseGitopsFlags(
      { 'git-url': 'ssh://git@example.com/models.git', 'git-interval': '30s' },
      context({ FERRY_GIT_CACHE_DIR: '/var/cache/ferry', FERRY_WEBHOOK_SECRET_FILE: file }),
    );
    expect(parsed?.location).toEqual({
      kind: 'url',
      url: 'ssh://git@example.com/models.git',
      cacheDir: '/var/cache/ferry',
    });
    expect(parsed?.options.intervalMs).toBe(30_000);
    expect(parsed?.options.webhookSecret).toBe('s3cret');
  });

  it.each([
    [{ 'git-url': 'https://example.com/a.git', 'git-dir': '/a' }, 'mutually exclusive'],
    [{ 'git-dir': '/a', 'git-interval': 'soon' }, '--git-interval "soon" is not a duration'],
    [{ 'git-dir': '/a', 'git-sync': 'no' }, '--git-sync "no": use true or false'],
    [{ 'git-dir': '/a', 'git-branch': '-x' }, '--git-branch "-x" is not a branch name'],
    [{ 'git-dir': '/a', 'git-branch': 'a..b' }, 'is not a branch name'],
    [
      { 'webhook-secret-file': '/s' },
      '--webhook-secret-file needs --git-url, --git-dir or --github-repo',
    ],
    [{ 'git-dir': '/a', 'webhook-secret-file': '/no/such/file' }, 'cannot read /no/such/file'],
  ])('refuses %j', async (flags, message) => {
    expect(await failure(parseGitopsFlags(flags, context()))).toContain(message);
  });

  it('names a refused URL without its token', async () => {
    const message = await failure(
      parseGitopsFlags({ 'git-url': 'ftp://user:tok-91xq2@example.com/a.git' }, context()),
    );
    expect(message).toContain('use https://, ssh://, git:// or file://');
    expect(message).toContain('ftp://***@example.com/a.git');
    expect(message).not.toContain('tok-91xq2');
  });
});
