/**
 * Plays kube-proxy on the host's loopback: every Service with a selector gets a stable
 * loopback address, and TCP connections to its ports there are passed, round-robin, to
 * the Ready pods its selector matches (all pods, with `publishNotReadyAddresses`).
 *
 * Contract, level-triggered on the Service cache (endpoints are chosen from the Pod cache
 * at each connection, so they are always current):
 * - the address is the Service's `clusterIP` when that is in 127.0.0.0/8, else one from
 *   `127.0.2.2-254` (the one its status shows, when free), kept while the Service exists;
 * - each TCP port listens at `address:port`; a port below 1024 that this process may not
 *   bind (it is not root) listens at `port + 10000` instead;
 * - the address and the ports that answer are written to `status.loadBalancer.ingress`
 *   (`[{ip, ipMode: Proxy, ports: [{port, protocol}]}]`), where a user and the
 *   InferenceService controller read them;
 * - an endpoint that refuses a connection is skipped for the next (see `forward`);
 * - a connection with no Ready endpoint, or none that accepts, is closed at once, as a
 *   REJECT rule would;
 * - headless Services (`clusterIP: None`), ExternalName ones and those without a
 *   selector are left alone.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressPool } from './addresses.js';
import { describeError, servicePath, type ApiClient } from './api.js';
import {
  identityOf,
  numberAt,
  objectAt,
  objectsAt,
  stringAt,
  stringsAt,
  type JsonObject,
} from './json.js';
import type { Reflector } from './reflector.js';
import { SerialTask } from './serial.js';
import { writeStatus } from './status-writer.js';

/** Where a privileged Service port is served when it cannot be bound. */
export const PRIVILEGED_PORT_OFFSET = 10_000;

/** What `LocalRunner.services()` reports of one proxied Service. */
export interface LocalService {
  namespace: string;
  name: string;
  address: string;
  /** Service port → the host port that answers for it. */
  ports: Record<number, number>;
}

interface Listener {
  server: Server;
  hostPort: number;
}

interface Proxy {
  namespace: string;
  name: string;
  address: string;
  /** By `port/targetPort` so a changed target makes a new listener. */
  listeners: Map<string, Listener>;
}

export class ServiceProxies {
  readonly sync: SerialTask;
  private readonly proxies = new Map<string, Proxy>();
  private readonly sockets = new Set<Socket>();
  private readonly cursors = new Map<string, number>();

  constructor(
    private readonly api: ApiClient,
    private readonly services: Reflector,
    private readonly pods: Reflector,
    private readonly pool: AddressPool,
    private readonly log: (line: string) => void,
  ) {
    this.sync = new SerialTask(
      () => this.pass(),
      (error) => {
        log(`services: ${describeError(error)}`);
      },
    );
  }

  list(): LocalService[] {
    return [...this.proxies.values()].map((proxy) => ({
      namespace: proxy.namespace,
      name: proxy.name,
      address: proxy.address,
      ports: Object.fromEntries(
        [...proxy.listeners].map(([key, listener]) => [
          Number(key.split('/')[0]),
          listener.hostPort,
        ]),
      ),
    }));
  }

  async stop(): Promise<void> {
    await this.sync.stop();
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(
      [...this.proxies.values()].flatMap((proxy) =>
        [...proxy.listeners.values()].map((listener) => close(listener.server)),
      ),
    );
    this.proxies.clear();
  }

  private async pass(): Promise<void> {
    const live = new Set<string>();
    for (const service of this.services.items()) {
      const identity = identityOf(service);
      if (identity === undefined || identity.deleting || !proxied(service)) continue;
      live.add(identity.uid);
      try {
        await this.reconcile(identity.uid, service);
      } catch (error) {
        this.log(`service ${identity.key}: ${describeError(error)}`);
      }
    }
    for (const [uid, proxy] of this.proxies) {
      if (live.has(uid)) continue;
      this.proxies.delete(uid);
      this.pool.release(uid);
      await Promise.all([...proxy.listeners.values()].map((listener) => close(listener.server)));
      this.log(`service ${proxy.namespace}/${proxy.name}: no longer proxied at ${proxy.address}`);
    }
  }

  private async reconcile(uid: string, service: JsonObject): Promise<void> {
    const identity = identityOf(service);
    if (identity === undefined) return;
    const clusterIP = stringAt(service, 'spec', 'clusterIP') ?? '';
    const shown = stringAt(objectsAt(service, 'status', 'loadBalancer', 'ingress')[0], 'ip');
    const address = clusterIP.startsWith('127.') ? clusterIP : this.pool.acquire(uid, shown);
    if (address === undefined) {
      this.log(`service ${identity.key}: no free address in ${this.pool.range}`);
      return;
    }
    let proxy = this.proxies.get(uid);
    if (proxy === undefined || proxy.address !== address) {
      proxy = { namespace: identity.namespace, name: identity.name, address, listeners: new Map() };
      this.proxies.set(uid, proxy);
      this.log(`service ${identity.key}: proxied at ${address}`);
    }
    const wanted = new Map<string, { port: number; target: number | string }>();
    for (const port of objectsAt(service, 'spec', 'ports')) {
      const number = numberAt(port, 'port');
      if (number === undefined || (stringAt(port, 'protocol') ?? 'TCP') !== 'TCP') continue;
      const target = port['targetPort'];
      const resolved = typeof target === 'number' || typeof target === 'string' ? target : number;
      wanted.set(`${number}/${String(resolved)}`, { port: number, target: resolved });
    }
    for (const [key, listener] of proxy.listeners) {
      if (wanted.has(key)) continue;
      proxy.listeners.delete(key);
      await close(listener.server);
    }
    for (const [key, { port, target }] of wanted) {
      if (proxy.listeners.has(key)) continue;
      const listener = await this.listen(identity.uid, address, port, target);
      if (listener !== undefined) proxy.listeners.set(key, listener);
    }
    await this.writeStatus(service, proxy);
  }

  private async listen(
    uid: string,
    address: string,
    port: number,
    target: number | string,
  ): Promise<Listener | undefined> {
    const server = createServer((socket) => {
      this.forward(uid, `${port}`, target, socket);
    });
    for (const hostPort of port < 1024 ? [port, port + PRIVILEGED_PORT_OFFSET] : [port]) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(hostPort, address, () => {
            server.off('error', reject);
            resolve();
          });
        });
        return { server, hostPort };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EACCES' || hostPort !== port) {
          this.log(`listen ${address}:${hostPort}: ${describeError(error)}`);
          return undefined;
        }
      }
    }
    return undefined;
  }

  /**
   * Passes one connection to the next Ready endpoint, or closes it when there is none.
   * An endpoint that refuses the connection (a pod whose server stopped listening before
   * this cache saw it terminating) is skipped for the next one, each tried once, as
   * kube-proxy's userspace mode did; the client's bytes wait unread until one accepts.
   */
  private forward(uid: string, port: string, target: number | string, socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const service = this.services.items().find((candidate) => identityOf(candidate)?.uid === uid);
    const endpoints = service === undefined ? [] : this.endpoints(service, target);
    const key = `${uid}/${port}`;
    const cursor = this.cursors.get(key) ?? 0;
    this.cursors.set(key, cursor + 1);
    const attempt = (tried: number): void => {
      const endpoint = endpoints[(cursor + tried) % endpoints.length];
      if (tried >= endpoints.length || endpoint === undefined || socket.destroyed) {
        socket.destroy();
        return;
      }
      const upstream = connect(endpoint.port, endpoint.ip);
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      const refused = (): void => {
        upstream.destroy();
        attempt(tried + 1);
      };
      upstream.once('error', refused);
      upstream.once('connect', () => {
        upstream.off('error', refused);
        if (socket.destroyed) {
          upstream.destroy();
          return;
        }
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.on('close', () => socket.destroy());
        socket.pipe(upstream).pipe(socket);
      });
    };
    attempt(0);
  }

  /** The Ready pods the selector matches, with the port `target` names on each. */
  private endpoints(service: JsonObject, target: number | string): { ip: string; port: number }[] {
    const namespace = stringAt(service, 'metadata', 'namespace');
    const selector = Object.entries(stringsAt(service, 'spec', 'selector'));
    const notReadyToo = objectAt(service, 'spec')?.['publishNotReadyAddresses'] === true;
    const result: { ip: string; port: number }[] = [];
    for (const pod of this.pods.items()) {
      const identity = identityOf(pod);
      if (identity === undefined || identity.deleting || identity.namespace !== namespace) continue;
      const labels = stringsAt(pod, 'metadata', 'labels');
      if (!selector.every(([key, value]) => labels[key] === value)) continue;
      const ip = stringAt(pod, 'status', 'podIP');
      const phase = stringAt(pod, 'status', 'phase');
      const ready = objectsAt(pod, 'status', 'conditions').some(
        (condition) =>
          stringAt(condition, 'type') === 'Ready' && stringAt(condition, 'status') === 'True',
      );
      if (ip === undefined || phase === 'Succeeded' || phase === 'Failed') continue;
      if (!ready && !notReadyToo) continue;
      const port =
        typeof target === 'number'
          ? target
          : objectsAt(pod, 'spec', 'containers')
              .flatMap((container) => objectsAt(container, 'ports'))
              .map((entry) =>
                stringAt(entry, 'name') === target ? numberAt(entry, 'containerPort') : undefined,
              )
              .find((found) => found !== undefined);
      if (port !== undefined) result.push({ ip, port });
    }
    return result.sort((a, b) => a.ip.localeCompare(b.ip));
  }

  private async writeStatus(service: JsonObject, proxy: Proxy): Promise<void> {
    const identity = identityOf(service);
    if (identity === undefined) return;
    const previous = objectAt(service, 'status') ?? {};
    const wanted: JsonObject = {
      ...previous,
      loadBalancer: {
        ingress: [
          {
            ip: proxy.address,
            ipMode: 'Proxy',
            ports: [...proxy.listeners.values()].map((listener) => ({
              port: listener.hostPort,
              protocol: 'TCP',
            })),
          },
        ],
      },
    };
    await writeStatus(
      this.api,
      this.services,
      servicePath(identity.namespace, identity.name),
      previous,
      wanted,
    );
  }
}

/** Whether the runner proxies this Service. */
function proxied(service: JsonObject): boolean {
  const type = stringAt(service, 'spec', 'type') ?? 'ClusterIP';
  return (
    type !== 'ExternalName' &&
    stringAt(service, 'spec', 'clusterIP') !== 'None' &&
    Object.keys(stringsAt(service, 'spec', 'selector')).length > 0
  );
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
}
