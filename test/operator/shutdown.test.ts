import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFerryCluster } from '../support/ferry.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';

/** A kubeconfig whose only cluster is `server`. */
async function kubeconfigFor(server: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'ferry-shutdown-'));
  const path = join(directory, 'kubeconfig');
  await writeFile(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: u, user: {}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
      '',
    ].join('\n'),
  );
  return path;
}

/** A port that accepts connections and never answers: an API server that hangs. */
async function blackHole(): Promise<{ server: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const listener: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    server: `http://127.0.0.1:${String(address.port)}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        listener.close(() => {
          resolve();
        });
      }),
  };
}

/** Sends SIGTERM and resolves with the exit code and how long the exit took. */
async function terminate(operator: OperatorProcess): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const code = await operator.stop('SIGTERM');
  return { code, ms: Date.now() - started };
}

/** Waits until the operator has logged `text`. */
async function logged(operator: OperatorProcess, text: string): Promise<void> {
  for (let waited = 0; !operator.logs().includes(text); waited += 100) {
    if (waited > 20_000) throw new Error(`operator never logged "${text}":\n${operator.logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('ferry operator shuts down while the API server is unreachable', () => {
  const operators: OperatorProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    await Promise.all(operators.map((operator) => operator.stop('SIGKILL')));
    for (const cleanup of cleanups) await cleanup();
  });

  it('exits 0 on SIGTERM when no API server ever answered (no leader election)', async () => {
    // Port 1 on loopback refuses every connection.
    const operator = await startOperator(await kubeconfigFor('http://127.0.0.1:1'), [
      '--leader-elect=false',
    ]);
    operators.push(operator);
    await logged(operator, 'ECONNREFUSED');
    const { code, ms } = await terminate(operator);
    expect(code).toBe(0);
    // Well inside the default 25 s grace period: nothing was in flight.
    expect(ms).toBeLessThan(10_000);
    expect(operator.logs()).toContain('stopped before the caches synced');
  });

  it('exits 0 on SIGTERM after the API server it synced with went away', async () => {
    const { cluster, kubeconfig } = await startFerryCluster();
    const operator = await startOperator(kubeconfig, ['--leader-elect=false']);
    operators.push(operator);
    await logged(operator, 'controllers started');
    await cluster.stop();
    await logged(operator, 'list/watch failed; retrying');
    const { code, ms } = await terminate(operator);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
  });

  it('abandons work at the grace period when the API server hangs, and exits 1 saying so', async () => {
    const hole = await blackHole();
    cleanups.push(hole.close);
    // With leader election the operator is stuck in a Lease request that never returns.
    const operator = await startOperator(await kubeconfigFor(hole.server), [
      '--shutdown-grace-period',
      '1s',
    ]);
    operators.push(operator);
    const { code, ms } = await terminate(operator);
    expect(code).toBe(1);
    expect(ms).toBeLessThan(10_000);
    expect(operator.logs()).toContain('shutdown grace period over');
  });
});
