/**
 * What the API server does for Pods beyond storing them: graceful deletion, the `binding`
 * subresource a scheduler uses, and the `log` subresource, proxied to the kubelet of the
 * pod's node as kube-apiserver does (`http://<node InternalIP>:<kubeletEndpoint port>/
 * containerLogs/<namespace>/<pod>/<container>`, plain HTTP here).
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { badRequest, conflict, methodNotAllowed, notFound } from '../core/errors.js';
import { clone, getPath, isObject, stringAt, type Json, type JsonObject } from '../core/json.js';
import { timestamp } from '../core/time.js';
import type { ResourceType } from '../registry/types.js';
import type { Cluster } from './cluster.js';
import { commit } from './commit.js';
import { getOne } from './read.js';

/**
 * Starts (or shortens) the graceful deletion of a pod: `deletionTimestamp` becomes now +
 * grace and `deletionGracePeriodSeconds` the grace. Returns the pod as the client sees it.
 */
export function deletePodGracefully(
  cluster: Cluster,
  target: { type: ResourceType; namespace: string; name: string },
  current: JsonObject,
  grace: number,
  dryRun: boolean,
): JsonObject {
  const previous = getPath(current, ['metadata', 'deletionGracePeriodSeconds']);
  if (typeof previous === 'number' && previous <= grace) return current;
  const next = clone(current);
  const metadata = next['metadata'] as JsonObject;
  metadata['deletionTimestamp'] = timestamp(cluster.now() + grace * 1000);
  metadata['deletionGracePeriodSeconds'] = grace;
  const options = { dryRun, fieldManager: '', fieldValidation: 'Ignore' as const, subresource: '' };
  return commit(cluster, target, current, next, { ...options, warnings: [], duplicates: [] }, true)
    .object;
}

/**
 * POST pods/<name>/binding: binds an unbound pod to a node and marks it PodScheduled, as
 * assignPod in kubernetes' pkg/registry/core/pod/storage/storage.go does.
 */
export function bindPod(
  cluster: Cluster,
  target: { type: ResourceType; namespace: string; name: string },
  body: Json | null,
): JsonObject {
  const node = isObject(body) ? stringAt(body, 'target', 'name') : undefined;
  if (node === undefined || node === '') throw badRequest('Binding: target.name is required');
  const current = getOne(cluster, target.type, target.namespace, target.name);
  const bound = stringAt(current, 'spec', 'nodeName');
  if (bound !== undefined) {
    throw conflict(
      target.type,
      target.name,
      `pod ${target.name} is already assigned to node "${bound}"`,
    );
  }
  if (getPath(current, ['metadata', 'deletionTimestamp']) !== undefined)
    throw conflict(
      target.type,
      target.name,
      `pod ${target.name} is being deleted, cannot be assigned to a host`,
    );
  const next = clone(current);
  (next['spec'] as JsonObject)['nodeName'] = node;
  const status = isObject(next['status']) ? next['status'] : {};
  const conditions = Array.isArray(status['conditions']) ? status['conditions'] : [];
  status['conditions'] = [
    ...conditions.filter(
      (condition) => !(isObject(condition) && condition['type'] === 'PodScheduled'),
    ),
    {
      type: 'PodScheduled',
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: timestamp(cluster.now()),
    },
  ];
  next['status'] = status;
  commit(cluster, target, current, next, {
    dryRun: false,
    duplicates: [],
    fieldManager: 'kube-scheduler',
    fieldValidation: 'Ignore',
    subresource: 'binding',
    warnings: [],
  });
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

/**
 * GET pods/<name>/log: checks the pod and container as kube-apiserver does, then streams
 * the kubelet's answer (status, body, follow) back to the client.
 */
export async function proxyPodLog(
  cluster: Cluster,
  target: { type: ResourceType; namespace: string; name: string },
  request: IncomingMessage,
  response: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  if ((request.method ?? 'GET') !== 'GET')
    throw methodNotAllowed('the server does not allow this method on the requested resource');
  const pod = getOne(cluster, target.type, target.namespace, target.name);
  const containers = getPath(pod, ['spec', 'containers']);
  const names = (Array.isArray(containers) ? containers : [])
    .map((container) => (isObject(container) ? stringAt(container, 'name') : undefined))
    .filter((name): name is string => name !== undefined);
  let container = query.get('container') ?? '';
  if (container === '') {
    if (names.length !== 1) {
      throw badRequest(
        `a container name must be specified for pod ${target.name}, choose one of: [${names.join(' ')}]`,
      );
    }
    container = names[0] ?? '';
  } else if (!names.includes(container)) {
    throw badRequest(`container ${container} is not valid for pod ${target.name}`);
  }
  const nodeName = stringAt(pod, 'spec', 'nodeName');
  if (nodeName === undefined) throw badRequest(`pod ${target.name} does not have a host assigned`);
  const node = cluster.store.get('/nodes', '', nodeName);
  const port = getPath(node, ['status', 'daemonEndpoints', 'kubeletEndpoint', 'Port']);
  const addresses = getPath(node, ['status', 'addresses']);
  const address = (Array.isArray(addresses) ? addresses : []).find(
    (entry) => isObject(entry) && entry['type'] === 'InternalIP',
  );
  const host = isObject(address) ? stringAt(address, 'address') : undefined;
  if (node === undefined) throw notFound({ group: '', resource: 'nodes', kind: 'Node' }, nodeName);
  if (typeof port !== 'number' || port <= 0 || host === undefined)
    throw badRequest(`node ${nodeName} has no kubelet endpoint to read logs from`);
  const forwarded = new URLSearchParams();
  for (const key of [
    'follow',
    'previous',
    'timestamps',
    'tailLines',
    'limitBytes',
    'sinceSeconds',
    'sinceTime',
  ]) {
    const value = query.get(key);
    if (value !== null) forwarded.set(key, value);
  }
  const path = `/containerLogs/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.name)}/${encodeURIComponent(container)}?${forwarded.toString()}`;
  await new Promise<void>((resolve, reject) => {
    const upstream = httpRequest({ host, port, path, method: 'GET' }, (answer) => {
      if (answer.statusCode !== 200) {
        // kubelet explains a refusal in plain text; the API server answers it as a Status.
        let text = '';
        answer.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        answer.on('end', () => {
          reject(badRequest(text.trim()));
        });
        return;
      }
      response.writeHead(200, {
        'Content-Type': answer.headers['content-type'] ?? 'text/plain',
        'Cache-Control': 'no-cache, private',
      });
      answer.pipe(response);
      answer.on('end', () => {
        resolve();
      });
      answer.on('error', () => {
        resolve();
      });
    });
    upstream.on('error', (error) => {
      if (response.headersSent) resolve();
      else reject(badRequest(`Get "http://${host}:${port}${path}": ${error.message}`));
    });
    response.on('close', () => upstream.destroy());
    upstream.end();
  });
}
