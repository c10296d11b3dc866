/**
 * One `ferry up` per state directory: a lock file `up.pid` holding the PID of the process
 * that runs it. A lock whose process is gone (a crash, a SIGKILL) is stale and taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE = 'up.pid';

export type LockResult =
  { held: true; release: () => Promise<void> } | { held: false; pid: number };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the state directory's lock for this process, or says which live process holds it. */
export async function acquireLock(stateDir: string): Promise<LockResult> {
  const path = join(stateDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return {
        held: true,
        release: async () => {
          const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
          if (owner === process.pid) await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      return { held: false, pid };
    }
    await rm(path, { force: true });
  }
  throw new Error(`cannot take the lock ${path}: another process keeps replacing it`);
}
