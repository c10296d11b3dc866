/**
 * The defaults kube-apiserver fills in for the built-in workload kinds, so clients see
 * the same objects they would on a real cluster: Pod restart/termination-message
 * settings, Job selector and controller labels, Deployment rollout settings, Service
 * type, ports and a cluster IP, volume sources. Only missing fields are set; existing
 * values stay.
 */
import { getPath, isObject, stringAt, type Json, type JsonObject } from '../core/json.js';
import type { ResourceType } from '../registry/types.js';

/** The object at `key` of `parent`, created (and attached) when absent. */
function ensureObject(parent: JsonObject, key: string): JsonObject {
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
  const volumes = spec['volumes'];
  if (Array.isArray(volumes)) {
    for (const volume of volumes) {
      // A volume that names no source is an emptyDir (pkg/apis/core/v1/defaults.go).
      if (isObject(volume) && Object.keys(volume).every((key) => key === 'name'))
        volume['emptyDir'] = {};
    }
  }
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

/** What defaulting needs besides the object: the stored object (updates) and an IP source. */
export interface DefaultingContext {
  /** The object as stored before this write; undefined for a create. */
  before: JsonObject | undefined;
  /** A free Service cluster IP. */
  allocateIp: () => string;
}

/** `strategy: {}` becomes RollingUpdate 25%/25% (pkg/apis/apps/v1/defaults.go). */
function defaultDeploymentStrategy(spec: JsonObject): void {
  const strategy = ensureObject(spec, 'strategy');
  if (strategy['type'] === undefined) strategy['type'] = 'RollingUpdate';
  if (strategy['type'] === 'RollingUpdate') {
    fill(ensureObject(strategy, 'rollingUpdate'), { maxSurge: '25%', maxUnavailable: '25%' });
  }
}

function defaultTemplate(spec: JsonObject, restartPolicy: string): void {
  const template = getPath(spec, ['template', 'spec']);
  if (isObject(template)) defaultPodSpec(template, restartPolicy);
}

/**
 * Service defaults (pkg/apis/core/v1/defaults.go) and the cluster IP: kept from the
 * stored object when an update omits it, allocated on create.
 */
function defaultService(spec: JsonObject, context: DefaultingContext): void {
  fill(spec, { type: 'ClusterIP', sessionAffinity: 'None' });
  if (spec['type'] !== 'ExternalName' && spec['clusterIP'] === undefined) {
    const previous = context.before === undefined ? undefined : getPath(context.before, ['spec']);
    const kept = isObject(previous) ? previous['clusterIP'] : undefined;
    if (typeof kept === 'string') {
      spec['clusterIP'] = kept;
      spec['clusterIPs'] = isObject(previous) ? (previous['clusterIPs'] ?? [kept]) : [kept];
    } else if (context.before === undefined) {
      const ip = context.allocateIp();
      spec['clusterIP'] = ip;
      spec['clusterIPs'] = [ip];
    }
  }
  const ports = spec['ports'];
  if (Array.isArray(ports)) {
    for (const port of ports)
      if (isObject(port)) fill(port, { protocol: 'TCP', targetPort: port['port'] ?? null });
  }
}

/**
 * Fills defaults into `object` (mutating it) for `type`, on every write: only missing
 * fields are set, so values a client gave stay, and a field a patch removed gets its
 * default back. Follows pkg/apis/{core,apps,batch}/v1/defaults.go.
 */
export function applyBuiltinDefaults(
  type: ResourceType,
  object: JsonObject,
  context: DefaultingContext,
): void {
  if (type.crdName !== undefined) return;
  const key = `${type.group}/${type.resource}`;
  const spec = isObject(object['spec']) ? object['spec'] : undefined;
  if (spec === undefined) return;
  switch (key) {
    case '/pods':
      defaultPodSpec(spec, 'Always');
      break;
    case 'batch/jobs':
      defaultJob(object, spec, context.before === undefined);
      break;
    case 'batch/cronjobs': {
      fill(spec, {
        concurrencyPolicy: 'Allow',
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
      });
      const jobSpec = getPath(spec, ['jobTemplate', 'spec']);
      if (isObject(jobSpec)) {
        fill(jobSpec, { backoffLimit: 6, completionMode: 'NonIndexed', suspend: false });
        defaultTemplate(jobSpec, 'Never');
      }
      break;
    }
    case 'apps/deployments':
      fill(spec, { replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 });
      defaultDeploymentStrategy(spec);
      defaultTemplate(spec, 'Always');
      break;
    case 'apps/replicasets':
      fill(spec, { replicas: 1 });
      defaultTemplate(spec, 'Always');
      break;
    case '/replicationcontrollers': {
      fill(spec, { replicas: 1 });
      const labels = getPath(spec, ['template', 'metadata', 'labels']);
      if (spec['selector'] === undefined && isObject(labels)) spec['selector'] = { ...labels };
      defaultTemplate(spec, 'Always');
      break;
    }
    case '/persistentvolumeclaims':
      fill(spec, { volumeMode: 'Filesystem' });
      break;
    case '/services':
      defaultService(spec, context);
      break;
  }
}

function defaultJob(object: JsonObject, spec: JsonObject, creating: boolean): void {
  fill(spec, {
    parallelism: 1,
    completions: 1,
    backoffLimit: 6,
    completionMode: 'NonIndexed',
    suspend: false,
  });
  const uid = stringAt(object, 'metadata', 'uid') ?? '';
  const name = stringAt(object, 'metadata', 'name') ?? '';
  const template = ensureObject(spec, 'template');
  // pkg/registry/batch/job/strategy.go generates the selector in PrepareForCreate only.
  if (creating && spec['manualSelector'] !== true && spec['selector'] === undefined) {
    spec['selector'] = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    const metadata = ensureObject(template, 'metadata');
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
