/** The state directory's lock: held by a live process it refuses, left by a dead one it is taken over. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LOCK_FILE } from '../../operator/src/up/lock.js';

async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? 0;
}

describe('the ferry up lock', () => {
  it('refuses while the process named in it lives, and is free again once released', async () => {
    const state = await mkdtemp(join(tmpdir(), 'ferry-lock-'));
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      await writeFile(join(state, LOCK_FILE), `${String(child.pid)}\n`);
      expect(await acquireLock(state)).toEqual({ held: false, pid: child.pid });
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('takes over a lock whose process is gone, and removes it on release', async () => {
    const state = await mkdtemp(join(tmpdir(), 'ferry-lock-'));
    await writeFile(join(state, LOCK_FILE), `${String(await exitedPid())}\n`);
    const lock = await acquireLock(state);
    expect(lock.held).toBe(true);
    expect(await readFile(join(state, LOCK_FILE), 'utf8')).toBe(`${String(process.pid)}\n`);
    if (lock.held) await lock.release();
    await expect(readFile(join(state, LOCK_FILE))).rejects.toThrow();
  });
});
