/**
 * The process `npm run bench devcluster` measures: a devcluster (watch history for 20,000
 * changes) and a no-op `node:http` server for the baseline, started by `fork`. It sends
 * `{ devcluster, baseline }` (their URLs) once both listen; it answers `'memory'` with
 * `{ before, now }`, its resident set and JS heap before the devcluster started and now,
 * each read after a full garbage collection, and `'cpu'` with `{ cpuMicros }`, the CPU time
 * it has used; `'stop'` stops both and exits, as does losing the parent.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DevCluster } from '../../../operator/src/devcluster/index.js';

export interface Ready {
  devcluster: string;
  baseline: string;
}

export interface Memory {
  rss: number;
  heapUsed: number;
}

export interface MemoryReport {
  before: Memory;
  now: Memory;
}

export interface CpuReport {
  /** User and system CPU time of this process so far, µs. */
  cpuMicros: number;
}

/** Resident set and JS heap after a full garbage collection, so they reflect live data. */
function memory(): Memory {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

const send = (message: Ready | MemoryReport | CpuReport): void => {
  process.send?.(message);
};

const noop = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end('{}');
});
await new Promise<void>((resolve) => noop.listen(0, '127.0.0.1', resolve));
const before = memory();
const cluster = await DevCluster.start({ historyLimit: 20_000 });
process.on('disconnect', () => process.exit(1));
process.on('message', (message) => {
  if (message === 'memory') send({ before, now: memory() });
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ cpuMicros: user + system });
  }
  if (message === 'stop') {
    noop.close();
    void cluster.stop().then(() => process.exit(0));
  }
});
send({
  devcluster: cluster.url,
  baseline: `http://127.0.0.1:${(noop.address() as AddressInfo).port}`,
});
