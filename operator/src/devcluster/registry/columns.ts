/** Table columns for built-in kinds, close to what kubectl shows on a real cluster. */
import { getPath, isObject, stringAt, type Json, type JsonObject } from '../core/json.js';
import { ageOf } from '../table/duration.js';
import type { Column } from './types.js';

type Cell = (object: JsonObject, now: number) => Json;

function column(name: string, cell: Cell, type = 'string', priority = 0, description = ''): Column {
  return { name, type, format: '', description, priority, cell };
}

export const ageColumn: Column = column(
  'Age',
  (object, now) =>
    ageOf(stringAt(object, 'metadata', 'creationTimestamp') ?? '', now) ?? '<unknown>',
  'string',
  0,
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

function num(object: JsonObject, ...path: string[]): number {
  const value = getPath(object, path);
  return typeof value === 'number' ? value : 0;
}

function list(object: JsonObject, ...path: string[]): Json[] {
  const value = getPath(object, path);
  return Array.isArray(value) ? value : [];
}

function condition(object: JsonObject, type: string): string | undefined {
  const found = list(object, 'status', 'conditions').find(
    (entry) => isObject(entry) && entry['type'] === type,
  );
  return isObject(found) && typeof found['status'] === 'string' ? found['status'] : undefined;
}

/**
 * A pod's STATUS as kubectl prints it: the pod's reason or phase, overridden by the first
 * container that is not running (its waiting or terminated reason, such as
 * CrashLoopBackOff or OOMKilled, or `ExitCode:N` / `Signal:N`), `Completed` shown as
 * Running while another container still runs, and Terminating once deletion started.
 */
export function podStatus(pod: JsonObject): string {
  let reason = stringAt(pod, 'status', 'reason') ?? stringAt(pod, 'status', 'phase') ?? 'Pending';
  let running = false;
  for (const entry of [...list(pod, 'status', 'containerStatuses')].reverse()) {
    if (!isObject(entry)) continue;
    const waiting = stringAt(entry, 'state', 'waiting', 'reason');
    const terminated = getPath(entry, ['state', 'terminated']);
    if (waiting !== undefined && waiting !== '') reason = waiting;
    else if (isObject(terminated)) {
      const why = stringAt(entry, 'state', 'terminated', 'reason');
      const signal = num(entry, 'state', 'terminated', 'signal');
      reason =
        why !== undefined && why !== ''
          ? why
          : signal !== 0
            ? `Signal:${String(signal)}`
            : `ExitCode:${String(num(entry, 'state', 'terminated', 'exitCode'))}`;
    } else if (entry['ready'] === true && isObject(getPath(entry, ['state', 'running'])))
      running = true;
  }
  if (reason === 'Completed' && running)
    reason = condition(pod, 'Ready') === 'True' ? 'Running' : 'NotReady';
  return getPath(pod, ['metadata', 'deletionTimestamp']) === undefined ? reason : 'Terminating';
}

const podColumns: Column[] = [
  column('Ready', (pod) => {
    const statuses = list(pod, 'status', 'containerStatuses');
    const ready = statuses.filter((entry) => isObject(entry) && entry['ready'] === true).length;
    return `${ready}/${list(pod, 'spec', 'containers').length}`;
  }),
  column('Status', podStatus),
  column(
    'Restarts',
    (pod) =>
      list(pod, 'status', 'containerStatuses').reduce<number>(
        (sum, entry) =>
          sum +
          (isObject(entry) && typeof entry['restartCount'] === 'number'
            ? entry['restartCount']
            : 0),
        0,
      ),
    'integer',
  ),
  ageColumn,
  column('IP', (pod) => stringAt(pod, 'status', 'podIP') ?? '<none>', 'string', 1),
  column('Node', (pod) => stringAt(pod, 'spec', 'nodeName') ?? '<none>', 'string', 1),
];

const jobColumns: Column[] = [
  column('Status', (job) => {
    if (condition(job, 'Complete') === 'True') return 'Complete';
    if (condition(job, 'Failed') === 'True') return 'Failed';
    return 'Running';
  }),
  column(
    'Completions',
    (job) => `${num(job, 'status', 'succeeded')}/${num(job, 'spec', 'completions') || 1}`,
  ),
  column('Duration', (job, now) => {
    const start = stringAt(job, 'status', 'startTime');
    if (start === undefined) return '';
    const end = stringAt(job, 'status', 'completionTime');
    return ageOf(start, end === undefined ? now : Date.parse(end)) ?? '';
  }),
  ageColumn,
];

const deploymentColumns: Column[] = [
  column('Ready', (d) => `${num(d, 'status', 'readyReplicas')}/${num(d, 'spec', 'replicas')}`),
  column('Up-to-date', (d) => num(d, 'status', 'updatedReplicas'), 'integer'),
  column('Available', (d) => num(d, 'status', 'availableReplicas'), 'integer'),
  ageColumn,
];

const replicaSetColumns: Column[] = [
  column('Desired', (rs) => num(rs, 'spec', 'replicas'), 'integer'),
  column('Current', (rs) => num(rs, 'status', 'replicas'), 'integer'),
  column('Ready', (rs) => num(rs, 'status', 'readyReplicas'), 'integer'),
  ageColumn,
];

const namespaceColumns: Column[] = [
  column('Status', (ns) => stringAt(ns, 'status', 'phase') ?? 'Active'),
  ageColumn,
];

const nodeColumns: Column[] = [
  column('Status', (node) => (condition(node, 'Ready') === 'True' ? 'Ready' : 'NotReady')),
  column('Roles', () => '<none>'),
  ageColumn,
  column('Version', (node) => stringAt(node, 'status', 'nodeInfo', 'kubeletVersion') ?? ''),
];

const serviceColumns: Column[] = [
  column('Type', (svc) => stringAt(svc, 'spec', 'type') ?? 'ClusterIP'),
  column('Cluster-IP', (svc) => stringAt(svc, 'spec', 'clusterIP') ?? '<none>'),
  column('External-IP', () => '<none>'),
  column(
    'Port(s)',
    (svc) =>
      list(svc, 'spec', 'ports')
        .filter(isObject)
        .map(
          (port) =>
            `${JSON.stringify(port['port'] ?? '')}/${typeof port['protocol'] === 'string' ? port['protocol'] : 'TCP'}`,
        )
        .join(',') || '<none>',
  ),
  ageColumn,
];

const dataCount: Cell = (object) => {
  const data = object['data'];
  const binary = object['binaryData'];
  return (
    (isObject(data) ? Object.keys(data).length : 0) +
    (isObject(binary) ? Object.keys(binary).length : 0)
  );
};

const eventColumns: Column[] = [
  column('Last Seen', (event, now) => {
    const at =
      stringAt(event, 'lastTimestamp') ??
      stringAt(event, 'eventTime') ??
      stringAt(event, 'metadata', 'creationTimestamp') ??
      '';
    return ageOf(at, now) ?? '<unknown>';
  }),
  column('Type', (event) => stringAt(event, 'type') ?? ''),
  column('Reason', (event) => stringAt(event, 'reason') ?? ''),
  column('Object', (event) => {
    const kind =
      stringAt(event, 'involvedObject', 'kind') ?? stringAt(event, 'regarding', 'kind') ?? '';
    const name =
      stringAt(event, 'involvedObject', 'name') ?? stringAt(event, 'regarding', 'name') ?? '';
    return `${kind.toLowerCase()}/${name}`;
  }),
  column('Message', (event) => stringAt(event, 'message') ?? stringAt(event, 'note') ?? ''),
];

/** Columns after NAME for the built-in resources that have more than AGE. */
export const BUILTIN_COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  '/pods': podColumns,
  'batch/jobs': jobColumns,
  'apps/deployments': deploymentColumns,
  'apps/replicasets': replicaSetColumns,
  '/namespaces': namespaceColumns,
  '/nodes': nodeColumns,
  '/services': serviceColumns,
  '/configmaps': [column('Data', dataCount, 'integer'), ageColumn],
  '/secrets': [
    column('Type', (s) => stringAt(s, 'type') ?? 'Opaque'),
    column('Data', dataCount, 'integer'),
    ageColumn,
  ],
  '/events': eventColumns,
  'events.k8s.io/events': eventColumns,
  'coordination.k8s.io/leases': [
    column('Holder', (lease) => stringAt(lease, 'spec', 'holderIdentity') ?? ''),
    ageColumn,
  ],
  'apiextensions.k8s.io/customresourcedefinitions': [
    column('Created At', (crd) => stringAt(crd, 'metadata', 'creationTimestamp') ?? '', 'date'),
  ],
};
