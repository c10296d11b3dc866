import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCrds } from '../../operator/src/cli/commands/crds.js';

const CRDS_DIR = join(import.meta.dirname, '..', '..', 'crds');

describe('crds/', () => {
  it('holds exactly what `ferry crds` generates from operator/src/api', async () => {
    const rendered = renderCrds();
    const onDisk = (await readdir(CRDS_DIR)).filter((file) => file.endsWith('.yaml')).sort();
    expect(onDisk).toEqual([...rendered.keys()].sort());
    for (const [file, text] of rendered) {
      expect(await readFile(join(CRDS_DIR, file), 'utf8'), `${file} was edited by hand`).toBe(text);
    }
  });
});
