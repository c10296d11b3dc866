import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestReader, type ReadManifest } from '../../operator/src/gitops/manifest-files.js';
import { openGitSource } from '../../operator/src/gitops/start.js';
import { createRepo, git, startGitDaemon, type GitDaemon } from '../support/git.js';

const CONFIG_MAP = (name: string, value: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

async function failure(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'opened',
    (error: unknown) => String(error),
  );
}

/** `data.value` of each ConfigMap a file holds. */
function valuesOf(file: ReadManifest): unknown[] {
  return file.checked.documents.map((document) => (document.value.data as { value: string }).value);
}

describe('a local repository, read in place', () => {
  it('reads the tracked branch as committed, never the working tree, the index or HEAD', async () => {
    const repo = await createRepo();
    const first = await repo.commit({ 'deploy/a.yaml': CONFIG_MAP('a', 'committed') });
    // The work tree moves on: another branch is checked out, a file is edited and staged,
    // another is new and untracked.
    await git(repo.directory, 'checkout', '--quiet', '-b', 'feature');
    await repo.write('deploy/a.yaml', CONFIG_MAP('a', 'edited'));
    await git(repo.directory, 'add', 'deploy/a.yaml');
    await repo.write('deploy/b.yaml', CONFIG_MAP('b', 'untracked'));
    const headBefore = await readFile(join(repo.directory, '.git', 'HEAD'), 'utf8');
    const statusBefore = await git(repo.directory, 'status', '--porcelain');

    const { source } = await openGitSource(
      { kind: 'directory', directory: repo.directory },
      'main',
    );
    expect(await source.head()).toBe(first);
    const files = await new ManifestReader(source).read(first, '');
    expect(files.map((file) => [file.path, valuesOf(file)])).toEqual([
      ['deploy/a.yaml', ['committed']],
    ]);

    expect(await readFile(join(repo.directory, '.git', 'HEAD'), 'utf8')).toBe(headBefore);
    expect(await git(repo.directory, 'status', '--porcelain')).toBe(statusBefore);
    expect(await readFile(join(repo.directory, 'deploy/a.yaml'), 'utf8')).toBe(
      CONFIG_MAP('a', 'edited'),
    );
  });

  it('reads only manifests under the path, skipping dot-directories and other files', async () => {
    const repo = await createRepo();
    const commit = await repo.commit({
      'deploy/a.yaml': CONFIG_MAP('a', '1'),
      'deploy/nested/b.yml': CONFIG_MAP('b', '2'),
      'deploy/.hidden/c.yaml': CONFIG_MAP('c', '3'),
      'deploy/README.md': '# not a manifest\n',
      'deployment/d.yaml': CONFIG_MAP('d', '4'),
      'e.yaml': CONFIG_MAP('e', '5'),
    });
    const { source } = await openGitSource(
      { kind: 'directory', directory: repo.directory },
      'main',
    );
    const reader = new ManifestReader(source);
    expect((await reader.read(commit, 'deploy/')).map((file) => file.path)).toEqual([
      'deploy/a.yaml',
      'deploy/nested/b.yml',
    ]);
    expect((await reader.read(commit, '')).map((file) => file.path)).toEqual([
      'deploy/a.yaml',
      'deploy/nested/b.yml',
      'deployment/d.yaml',
      'e.yaml',
    ]);
  });

  it('refuses a folder inside a work tree, naming the top, and opens a bare repository', async () => {
    const repo = await createRepo();
    const commit = await repo.commit({ 'deploy/a.yaml': CONFIG_MAP('a', '1') });
    const inside = await failure(
      openGitSource({ kind: 'directory', directory: join(repo.directory, 'deploy') }, 'main'),
    );
    expect(inside).toContain(`is inside the repository ${repo.directory}`);
    const bare = join(await mkdtemp(join(tmpdir(), 'ferry-bare-')), 'models.git');
    await git(repo.directory, 'clone', '--quiet', '--bare', repo.directory, bare);
    const { source } = await openGitSource({ kind: 'directory', directory: bare }, 'main');
    expect(await source.head()).toBe(commit);
  });

  it('answers undefined for a branch that does not exist', async () => {
    const repo = await createRepo();
    await repo.commit({ 'a.yaml': CONFIG_MAP('a', '1') });
    const { source } = await openGitSource(
      { kind: 'directory', directory: repo.directory },
      'prod',
    );
    expect(await source.head()).toBeUndefined();
  });
});

describe('a remote over the git protocol, fetched into a bare cache', () => {
  let daemon: GitDaemon;
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ferry-daemon-'));
    daemon = await startGitDaemon(root);
  });
  afterAll(async () => {
    await daemon.stop();
  });

  it('follows the branch as it is pushed, without a work tree in the cache', async () => {
    const repo = await createRepo();
    await git(root, 'init', '--quiet', '--bare', 'models.git');
    const first = await repo.commit({ 'a.yaml': CONFIG_MAP('a', '1') });
    await git(repo.directory, 'push', '--quiet', join(root, 'models.git'), 'main');
    const cacheDir = await mkdtemp(join(tmpdir(), 'ferry-cache-'));
    const { source } = await openGitSource(
      { kind: 'url', url: `${daemon.url}models.git`, cacheDir },
      'main',
    );
    expect(source.description).toBe(`${daemon.url}models.git (branch main)`);
    expect(await source.head()).toBe(first);

    const second = await repo.commit({
      'a.yaml': CONFIG_MAP('a', '2'),
      'b.yaml': CONFIG_MAP('b', '1'),
    });
    await git(repo.directory, 'push', '--quiet', join(root, 'models.git'), 'main');
    expect(await source.head()).toBe(second);
    const files = await new ManifestReader(source).read(second, '');
    expect(files.map(valuesOf)).toEqual([['2'], ['1']]);
  });

  it('names no credential when the remote cannot be reached', async () => {
    const token = 'ferrytok-7Q2xv9Lm4Rk8';
    const cacheDir = await mkdtemp(join(tmpdir(), 'ferry-cache-'));
    const url = `https://x-access-token:${token}@127.0.0.1:9/models.git`;
    const { source } = await openGitSource({ kind: 'url', url, cacheDir }, 'main');
    expect(source.description).toBe('https://***@127.0.0.1:9/models.git (branch main)');
    const failure = await source.head().then(
      () => 'fetched',
      (error: unknown) => String(error),
    );
    expect(failure).toMatch(/git fetch failed/);
    expect(failure).not.toContain(token);
    // Nothing the fetch left on disk holds the token either.
    const written = await readdir(cacheDir, { recursive: true, withFileTypes: true });
    const files = written.filter((entry) => entry.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const entry of files) {
      expect(await readFile(join(entry.parentPath, entry.name), 'utf8')).not.toContain(token);
    }
  });
});
