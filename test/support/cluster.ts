/**
 * Starts a devcluster for a test file and gives it a client-node KubeConfig, with Ferry's
 * CRDs applied when asked: the envtest of this repository.
 */
import { readdir, readFile } from 'node:fs/promises';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { DevCluster } from '../../operator/src/devcluster/index.js';
import { KubeClient } from '../../operator/src/runtime/client.js';

export const REPO = join(import.meta.dirname, '..', '..');

export interface TestCluster {
  devcluster: DevCluster;
  kubeConfig: KubeConfig;
  client: KubeClient;
  stop: () => Promise<void>;
}

export async function startCluster(
  options: { crds?: boolean; log?: (line: string) => void; auditLogPath?: string } = {},
): Promise<TestCluster> {
  const devcluster = await DevCluster.start({
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.auditLogPath === undefined ? {} : { auditLogPath: options.auditLogPath }),
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(devcluster.kubeconfigYaml());
  const client = new KubeClient(kubeConfig);
  if (options.crds === true) await applyCrds(devcluster.url);
  return { devcluster, kubeConfig, client, stop: () => devcluster.stop() };
}

/**
 * Creates Ferry's CRDs with plain HTTP, as `kubectl apply` sends them. Not through
 * client-node: its typed CustomResourceDefinition model drops `x-kubernetes-*` keys it
 * only knows in camelCase, which would make the int-or-string fields non-structural.
 */
async function applyCrds(server: string): Promise<void> {
  const directory = join(REPO, 'crds');
  for (const file of (await readdir(directory)).sort()) {
    const crd: unknown = parse(await readFile(join(directory, file), 'utf8'));
    const response = await fetch(
      `${server}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(crd),
      },
    );
    if (response.status !== 201)
      throw new Error(`creating ${file}: ${response.status} ${await response.text()}`);
  }
}

/** Polls `condition` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A TCP proxy in front of the devcluster. Closing it cuts every client that goes through
 * it off the API server at once, the way a dead node or network partition would.
 */
export async function startProxy(targetPort: number): Promise<{ port: number; close: () => void }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** A client whose requests reach the devcluster through `proxyPort`. */
export function clientThrough(cluster: TestCluster, proxyPort: number): KubeClient {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(
    cluster.devcluster.kubeconfigYaml().replace(`:${cluster.devcluster.port}`, `:${proxyPort}`),
  );
  return new KubeClient(kubeConfig);
}
