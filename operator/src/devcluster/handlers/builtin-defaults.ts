/**
 * The defaults kube-apiserver fills in for the built-in workload kinds, so clients see
 * the same objects they would on a real cluster: Pod restart/termination-message
 * settings, Job selector and controller labels, Deployment rollout settings, Service
 * type, ports and a cluster IP. Only missing fields are set; existing values stay.
 */
import { getPath, isObject, stringAt, type Json, type JsonObject } from '../core/json.js';
import type { ResourceType } from '../registry/types.js';

function objectAt(parent: JsonObject, key: string): JsonObject {
  const value = parent[key];
  if (isObject(value)) return value;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

function fill(target: JsonObject, defaults: Readonly<Record<string, Json>>): void {
  for (const [key, value] of Object.entries(defaults))
    if (target[key] === undefined) target[key] = value;
}

function imagePullPolicy(image: Json | undefined): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  const name = image.split('@')[0] ?? image;
  const tag =
    name.includes(':') && !name.slice(name.lastIndexOf(':')).includes('/')
      ? name.slice(name.lastIndexOf(':') + 1)
      : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Pod spec defaults (also used for the templates of Jobs and Deployments). */
export function defaultPodSpec(spec: JsonObject, restartPolicy: string): void {
  fill(spec, {
    restartPolicy,
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    schedulerName: 'default-scheduler',
    securityContext: {},
  });
  for (const field of ['containers', 'initContainers']) {
    const containers = spec[field];
    if (!Array.isArray(containers)) continue;
    for (const container of containers) {
      if (!isObject(container)) continue;
      fill(container, {
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: imagePullPolicy(container['image']),
        resources: {},
      });
      const ports = container['ports'];
      if (Array.isArray(ports))
        for (const port of ports) if (isObject(port)) fill(port, { protocol: 'TCP' });
    }
  }
}

/** Allocates cluster IPs from 10.96.0.0/12, skipping ones in use. */
export class ClusterIps {
  private next = 10;

  allocate(inUse: ReadonlySet<string>): string {
    for (;;) {
      const n = this.next++;
      const ip = `10.96.${Math.trunc(n / 250) % 250}.${(n % 250) + 1}`;
      if (!inUse.has(ip)) return ip;
    }
  }
}

/** Fills defaults into `object` (mutating it) for `type`; `allocateIp` gives a free cluster IP. */
export function applyBuiltinDefaults(
  type: ResourceType,
  object: JsonObject,
  allocateIp: () => string,
): void {
  if (type.crdName !== undefined) return;
  const key = `${type.group}/${type.resource}`;
  const spec = isObject(object['spec']) ? object['spec'] : undefined;
  if (spec === undefined) return;
  if (key === '/pods') defaultPodSpec(spec, 'Always');
  if (key === 'batch/jobs') defaultJob(object, spec);
  if (key === 'apps/deployments') {
    fill(spec, {
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      },
    });
    const template = getPath(spec, ['template', 'spec']);
    if (isObject(template)) defaultPodSpec(template, 'Always');
  }
  if (key === '/services') {
    fill(spec, { type: 'ClusterIP', sessionAffinity: 'None' });
    if (spec['type'] !== 'ExternalName' && spec['clusterIP'] === undefined) {
      const ip = allocateIp();
      spec['clusterIP'] = ip;
      spec['clusterIPs'] = [ip];
    }
    const ports = spec['ports'];
    if (Array.isArray(ports)) {
      for (const port of ports)
        if (isObject(port)) fill(port, { protocol: 'TCP', targetPort: port['port'] ?? null });
    }
  }
}

function defaultJob(object: JsonObject, spec: JsonObject): void {
  fill(spec, {
    parallelism: 1,
    completions: 1,
    backoffLimit: 6,
    completionMode: 'NonIndexed',
    suspend: false,
  });
  const uid = stringAt(object, 'metadata', 'uid') ?? '';
  const name = stringAt(object, 'metadata', 'name') ?? '';
  const template = objectAt(spec, 'template');
  if (spec['manualSelector'] !== true && spec['selector'] === undefined) {
    spec['selector'] = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    const metadata = objectAt(template, 'metadata');
    metadata['labels'] = {
      ...(isObject(metadata['labels']) ? metadata['labels'] : {}),
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': name,
      'controller-uid': uid,
      'job-name': name,
    };
  }
  const podSpec = template['spec'];
  if (isObject(podSpec)) defaultPodSpec(podSpec, 'Never');
}
