/**
 * devcluster: an in-process Kubernetes API server emulator on 127.0.0.1, faithful enough
 * for the real kubectl and @kubernetes/client-node. Start it, hand its kubeconfig to a
 * client, stop it. Tests get hooks to compact watch history, close all watches and fail
 * the next requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { writeFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { checkCustomResourceDefinition } from './apiextensions/structural.js';
import { ApiError } from './core/errors.js';
import { getPath, isObject, type JsonObject } from './core/json.js';
import { timestamp } from './core/time.js';
import {
  aggregated,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  wantsAggregated,
} from './discovery/discovery.js';
import { Collector } from './gc/collector.js';
import { Cluster } from './handlers/cluster.js';
import { WatchSet } from './handlers/watch.js';
import { AuditLog } from './http/audit.js';
import { handleResource } from './http/resources.js';
import { sendError, sendJson } from './http/respond.js';
import { route } from './http/route.js';
import { OpenApi } from './openapi/openapi.js';
import { storageKey } from './registry/types.js';
import { FileJournal } from './storage/journal.js';
import { servingCertificates, type ServingCertificates } from './tls/certificates.js';
import { Store } from './storage/store.js';

export interface DevClusterOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Persist objects here; they survive a restart. */
  stateDir?: string;
  /** How many changes watches can replay before 410 Expired. */
  historyLimit?: number;
  /** Interval between watch BOOKMARKs (default 30 s). */
  bookmarkMs?: number;
  /** Receives one line per request. */
  log?: (line: string) => void;
  /**
   * Serve HTTPS, as a real API server does, with a generated CA (kept in
   * `<stateDir>/tls` when there is a state directory) that the kubeconfig trusts.
   * Default false: plain HTTP.
   */
  tls?: boolean;
  /**
   * Append one JSON line per request to this file (see `http/audit.ts`): the RBAC verb,
   * group, resource, subresource, namespace, name, response code and client identity.
   */
  auditLogPath?: string;
}

const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-devcluster',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** All ten NodeSystemInfo fields, which clients' typed models require. */
const NODE_INFO: JsonObject = {
  machineID: 'devcluster',
  systemUUID: '00000000-0000-0000-0000-000000000000',
  bootID: '00000000-0000-0000-0000-000000000000',
  kernelVersion: release(),
  osImage: 'devcluster',
  containerRuntimeVersion: 'devcluster://local-processes',
  kubeletVersion: VERSION.gitVersion,
  kubeProxyVersion: VERSION.gitVersion,
  operatingSystem: 'linux',
  architecture: process.arch === 'x64' ? 'amd64' : process.arch,
};

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class DevCluster {
  private failures = 0;
  private failureCode = 500;

  private readonly server: Server;
  private readonly audit: AuditLog | undefined;

  private constructor(
    readonly cluster: Cluster,
    private readonly watches: WatchSet,
    private readonly collector: Collector,
    private readonly journal: FileJournal | undefined,
    openApi: OpenApi,
    options: DevClusterOptions,
    private readonly tls: { certificates: ServingCertificates; scratch?: string } | undefined,
  ) {
    const bookmarkMs = options.bookmarkMs ?? 30_000;
    this.audit =
      options.auditLogPath === undefined ? undefined : new AuditLog(options.auditLogPath);
    const listener = (request: IncomingMessage, response: ServerResponse): void => {
      this.handle(request, response, openApi, bookmarkMs, options.log).catch((error: unknown) => {
        sendError(response, error);
      });
    };
    this.server =
      tls === undefined
        ? createServer(listener)
        : createHttpsServer({ cert: tls.certificates.cert, key: tls.certificates.key }, listener);
  }

  /** Starts a devcluster; resolves once it listens. */
  static async start(options: DevClusterOptions = {}): Promise<DevCluster> {
    const store = new Store(options.historyLimit);
    const journal =
      options.stateDir === undefined ? undefined : FileJournal.open(store, options.stateDir);
    const cluster = new Cluster(store);
    cluster.structuralCheck = checkCustomResourceDefinition;
    const collector = new Collector(cluster);
    cluster.onDeleted = () => {
      collector.schedule();
    };
    for (const crd of store.list('apiextensions.k8s.io/customresourcedefinitions')) {
      cluster.syncCrd(crd, false);
    }
    bootstrap(cluster);
    const openApi = new OpenApi(cluster.registry);
    const instance = new DevCluster(
      cluster,
      new WatchSet(store),
      collector,
      journal,
      openApi,
      options,
      options.tls === true ? await certificatesFor(options.stateDir) : undefined,
    );
    await new Promise<void>((resolve, reject) => {
      instance.server.once('error', reject);
      instance.server.listen(options.port ?? 0, '127.0.0.1', () => {
        resolve();
      });
    });
    return instance;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:<port>`, or `https://` when serving TLS. */
  get url(): string {
    return `${this.tls === undefined ? 'http' : 'https'}://127.0.0.1:${this.port}`;
  }

  /** The PEM of the CA clients must trust, when serving TLS. */
  get certificateAuthority(): string | undefined {
    return this.tls?.certificates.ca;
  }

  /** A kubeconfig (YAML) whose current context points here, namespace `default`. */
  kubeconfigYaml(): string {
    return stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'devcluster',
          cluster:
            this.tls === undefined
              ? { server: this.url, 'insecure-skip-tls-verify': true }
              : {
                  server: this.url,
                  'certificate-authority-data': Buffer.from(this.tls.certificates.ca).toString(
                    'base64',
                  ),
                },
        },
      ],
      users: [{ name: 'devcluster', user: { token: 'devcluster' } }],
      contexts: [
        {
          name: 'devcluster',
          context: { cluster: 'devcluster', user: 'devcluster', namespace: 'default' },
        },
      ],
      'current-context': 'devcluster',
      preferences: {},
    });
  }

  async writeKubeconfig(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, this.kubeconfigYaml(), { mode: 0o600 });
  }

  kubeConfig(): KubeConfig {
    const config = new KubeConfig();
    config.loadFromString(this.kubeconfigYaml());
    return config;
  }

  /**
   * Forgets watch history: a watch from a resourceVersion older than the current one gets
   * 410 Expired (a watch from the current one still works, as after etcd compaction).
   */
  compactHistory(): void {
    this.cluster.store.compact();
  }

  /** Ends every open watch (clients see the stream close). */
  closeWatches(): void {
    this.watches.closeAll();
  }

  get openWatches(): number {
    return this.watches.size;
  }

  /** The next `count` requests fail with `code` (500 InternalError by default). */
  failNextRequests(count: number, code = 500): void {
    this.failures = count;
    this.failureCode = code;
  }

  async stop(): Promise<void> {
    this.watches.closeAll();
    this.collector.stop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
    this.journal?.close();
    await this.audit?.close();
    if (this.tls?.scratch !== undefined)
      await rm(this.tls.scratch, { recursive: true, force: true });
  }

  private async handle(
    request: IncomingMessage,
    response: ServerResponse,
    openApi: OpenApi,
    bookmarkMs: number,
    log: ((line: string) => void) | undefined,
  ): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://devcluster');
    log?.(`${request.method ?? 'GET'} ${url.pathname}${url.search}`);
    const registry = this.cluster.registry;
    const target = route(url.pathname, registry);
    this.audit?.observe(request, response, url, target);
    if (this.failures > 0) {
      this.failures--;
      const reason = this.failureCode === 503 ? 'ServiceUnavailable' : 'InternalError';
      throw new ApiError(this.failureCode, reason, 'injected failure (devcluster test hook)');
    }
    const accept = request.headers.accept;
    switch (target.kind) {
      case 'version':
        sendJson(response, 200, VERSION);
        return;
      case 'health':
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        response.end('ok');
        return;
      case 'api':
      case 'apis': {
        const media = wantsAggregated(accept);
        if (media !== undefined) {
          sendJson(response, 200, aggregated(registry, target.kind === 'api', media), {
            'Content-Type': media,
          });
        } else if (target.kind === 'api')
          sendJson(response, 200, apiVersions(`127.0.0.1:${this.port}`));
        else sendJson(response, 200, apiGroupList(registry));
        return;
      }
      case 'group': {
        const group = apiGroup(registry, target.group);
        if (group === undefined) break;
        sendJson(response, 200, group);
        return;
      }
      case 'resources': {
        const resources = apiResourceList(registry, target.group, target.version);
        if (resources === undefined) break;
        sendJson(response, 200, resources);
        return;
      }
      case 'openapi-index':
        sendJson(response, 200, openApi.index());
        return;
      case 'openapi-document': {
        const text = openApi.document(target.path);
        if (text === undefined) break;
        sendJson(response, 200, text);
        return;
      }
      case 'resource': {
        const type = registry.find(target.group, target.version, target.resource);
        if (type === undefined) break;
        await handleResource(
          this.cluster,
          this.watches,
          { bookmarkMs, defaultTimeoutSeconds: 1800 },
          { type, namespace: target.namespace, name: target.name, subresource: target.subresource },
          request,
          response,
          url.searchParams,
        );
        return;
      }
      case 'openapi-v2':
        if (acceptsJson(accept)) sendJson(response, 200, openApi.swagger());
        else sendEmptyProtobufSwagger(response);
        return;
      case 'unknown':
        break;
    }
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
}

/** Certificates kept with the state, or made in a scratch directory removed on stop. */
async function certificatesFor(
  stateDir: string | undefined,
): Promise<{ certificates: ServingCertificates; scratch?: string }> {
  if (stateDir !== undefined) {
    return { certificates: await servingCertificates(join(stateDir, 'tls')) };
  }
  const scratch = await mkdtemp(join(tmpdir(), 'devcluster-tls-'));
  return { certificates: await servingCertificates(scratch), scratch };
}

/**
 * kubectl asks for `/openapi/v2` only as protobuf (gnostic's openapi_v2.Document), and
 * only to validate kinds `/openapi/v3` lacks. It gets a Document with nothing but
 * `swagger: "2.0"` (field 1), so such kinds are not validated, as for a kind a real
 * server's document has no definition of.
 */
function sendEmptyProtobufSwagger(response: ServerResponse): void {
  const swagger = Buffer.from('2.0');
  const document = Buffer.concat([Buffer.from([0x0a, swagger.length]), swagger]);
  response.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': document.length,
  });
  response.end(document);
}

/** Whether an Accept header allows JSON (no header allows anything). */
function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept
    .split(',')
    .map((part) => part.split(';')[0]?.trim() ?? '')
    .some((type) => type === 'application/json' || type === '*/*' || type === 'application/*');
}

/** Creates the system namespaces and a ready Node, unless restored state has them. */
function bootstrap(cluster: Cluster): void {
  const now = timestamp(cluster.now());
  const namespaces = storageKey(cluster.namespaceType());
  for (const name of SYSTEM_NAMESPACES) {
    if (cluster.store.get(namespaces, '', name) !== undefined) continue;
    cluster.store.put(namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        uid: cluster.uid(),
        creationTimestamp: now,
        labels: { 'kubernetes.io/metadata.name': name },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }
  const restored = cluster.store.get('/nodes', '', 'devcluster');
  if (restored !== undefined && getPath(restored, ['status', 'nodeInfo', 'bootID']) === undefined) {
    const status = isObject(restored['status']) ? restored['status'] : {};
    cluster.store.put('/nodes', { ...restored, status: { ...status, nodeInfo: NODE_INFO } });
  }
  if (restored === undefined) {
    const node: JsonObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: 'devcluster',
        uid: cluster.uid(),
        creationTimestamp: now,
        labels: { 'kubernetes.io/hostname': 'devcluster' },
      },
      spec: {},
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'devcluster runs workloads locally',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
        nodeInfo: NODE_INFO,
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      },
    };
    cluster.store.put('/nodes', node);
  }
}
