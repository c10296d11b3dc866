/**
 * Which repository `ferry up` syncs and what its claims hold, on real git repositories in
 * temporary folders: a repository's top is synced in place; any other folder is copied
 * into a repository under the state directory once, and the user's folder is never written.
 */
import { mkdir, mkdtemp, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedClaims } from '../../operator/src/up/claims.js';
import { upRepository } from '../../operator/src/up/repository.js';
import { createRepo, git } from '../support/git.js';

const temp = async (prefix: string) => realpath(await mkdtemp(join(tmpdir(), prefix)));

describe('the repository ferry up syncs', () => {
  it("syncs a repository's top in place, from the branch checked out", async () => {
    const repo = await createRepo('trunk');
    await repo.commit({ 'serving.yaml': 'kind: InferenceService\n' });
    const state = await temp('ferry-up-state-');
    const found = await upRepository(repo.directory, state);
    expect(found).toEqual({
      directory: await realpath(repo.directory),
      branch: 'trunk',
      owned: false,
      created: false,
    });
    expect(await readdir(state)).toEqual([]);
  });

  it('copies a folder inside a repository into one of its own, once, leaving the folder as it was', async () => {
    const outer = await createRepo();
    await outer.commit({
      'examples/iris/serving.yaml': 'a: 1\n',
      'examples/iris/data/x.csv': 'x\n1\n',
    });
    const folder = join(outer.directory, 'examples', 'iris');
    // A state directory inside the folder is not copied into the repository.
    const state = join(folder, '.ferry');
    await mkdir(state);
    const made = await upRepository(folder, state);
    expect(made).toEqual({
      directory: join(state, 'repo'),
      branch: 'main',
      owned: true,
      created: true,
    });
    expect((await git(made.directory, 'ls-tree', '-r', '--name-only', 'HEAD')).split('\n')).toEqual(
      ['data/x.csv', 'serving.yaml'],
    );
    expect(await git(made.directory, 'rev-list', '--count', 'HEAD')).toBe('1');
    expect(
      await git(
        outer.directory,
        'status',
        '--porcelain',
        '--ignored=no',
        '--',
        'examples/iris/serving.yaml',
        'examples/iris/data',
      ),
    ).toBe('');

    await writeFile(join(folder, 'serving.yaml'), 'a: 2\n');
    const again = await upRepository(folder, state);
    expect(again).toEqual({ ...made, created: false });
    expect(await readFile(join(made.directory, 'serving.yaml'), 'utf8')).toBe('a: 1\n');
  });

  it('seeds ferry-data and ferry-models from data/ and models/ once, and keeps what they hold', async () => {
    const folder = await temp('ferry-up-folder-');
    await mkdir(join(folder, 'data'));
    await writeFile(join(folder, 'data', 'iris.csv'), 'x\n1\n');
    const state = await temp('ferry-up-state-');
    const claims = await seedClaims(folder, state);
    expect(claims).toEqual({
      'ferry-data': join(state, 'claims', 'ferry-data'),
      'ferry-models': join(state, 'claims', 'ferry-models'),
    });
    expect(await readFile(join(claims['ferry-data'] ?? '', 'iris.csv'), 'utf8')).toBe('x\n1\n');
    expect(await readdir(claims['ferry-models'] ?? '')).toEqual([]);
    await writeFile(join(claims['ferry-models'] ?? '', 'trained.onnx'), 'model');
    await writeFile(join(folder, 'data', 'iris.csv'), 'x\n2\n');
    await seedClaims(folder, state);
    expect(await readdir(claims['ferry-models'] ?? '')).toEqual(['trained.onnx']);
    expect(await readFile(join(claims['ferry-data'] ?? '', 'iris.csv'), 'utf8')).toBe('x\n1\n');
  });
});
