/**
 * The per-kind rules kube-apiserver's registry strategies apply to every write, in one
 * table: whether `metadata.generation` is kept, what status a create starts from, which
 * fields may not change once set, and whether an immediate DELETE answers with the
 * object or with a `Status`. Each rule names the upstream file it follows (paths in
 * kubernetes/kubernetes, release 1.32).
 */
import { deepEqual, getPath, type Json, type JsonObject } from '../core/json.js';
import type { Cause } from '../core/errors.js';
import type { ResourceType } from './types.js';

export interface Strategy {
  /**
   * `metadata.generation` is 1 on create and grows when the desired state changes. Set by
   * the strategies' PrepareForCreate/PrepareForUpdate; kinds without one have no
   * generation at all.
   */
  generation: boolean;
  /**
   * The status a create stores, whatever the client sent: an object, `removed` (no status
   * at all), or undefined (kept as sent, as for Nodes).
   */
  statusOnCreate: JsonObject | 'removed' | undefined;
  /** Causes for fields changed that the kind's ValidateUpdate forbids changing. */
  immutable: (before: JsonObject, after: JsonObject) => Cause[];
  /**
   * The registry store's `ReturnDeletedObject`: DELETE of an object that goes at once
   * answers with the object; otherwise with a Success `Status`.
   */
  returnsDeletedObject: boolean;
}

function none(): Cause[] {
  return [];
}

/** Go's `%v`-like rendering of a value in an Invalid message (JSON is close enough). */
function show(value: Json | undefined): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

function immutableField(path: string[], field: string) {
  return (before: JsonObject, after: JsonObject): Cause[] => {
    const old = getPath(before, path);
    const next = getPath(after, path);
    if (old === undefined || deepEqual(old, next ?? null)) return [];
    return [
      {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${show(next)}: field is immutable`,
        field,
      },
    ];
  };
}

/**
 * pkg/apis/core/validation/validation.go, ValidateServiceUpdate: the primary cluster IP
 * "may not change once set" (ExternalName services have none).
 */
function serviceClusterIp(before: JsonObject, after: JsonObject): Cause[] {
  const old = getPath(before, ['spec', 'clusterIP']);
  const next = getPath(after, ['spec', 'clusterIP']);
  if (getPath(after, ['spec', 'type']) === 'ExternalName') return [];
  if (typeof old !== 'string' || old === '' || old === next) return [];
  const ips = getPath(after, ['spec', 'clusterIPs']);
  const shown = Array.isArray(ips) ? ips : [next ?? ''];
  return [
    {
      reason: 'FieldValueInvalid',
      message: `Invalid value: []string{${shown.map((ip) => JSON.stringify(ip)).join(', ')}}: may not change once set`,
      field: 'spec.clusterIPs[0]',
    },
  ];
}

/**
 * pkg/apis/core/validation/validation.go, ValidateConfigMapUpdate/ValidateSecretUpdate:
 * with `immutable: true`, data may not change and immutable may not be unset.
 */
function immutableData(before: JsonObject, after: JsonObject): Cause[] {
  if (before['immutable'] !== true) return [];
  const causes: Cause[] = [];
  if (after['immutable'] !== true) {
    causes.push({
      reason: 'FieldValueForbidden',
      message: 'Forbidden: field is immutable when `immutable` is set',
      field: 'immutable',
    });
  }
  for (const field of ['data', 'binaryData']) {
    if (!deepEqual(before[field] ?? null, after[field] ?? null)) {
      causes.push({
        reason: 'FieldValueForbidden',
        message: 'Forbidden: field is immutable when `immutable` is set',
        field,
      });
    }
  }
  return causes;
}

function all(...rules: ((before: JsonObject, after: JsonObject) => Cause[])[]) {
  return (before: JsonObject, after: JsonObject): Cause[] =>
    rules.flatMap((rule) => rule(before, after));
}

const selectorImmutable = immutableField(['spec', 'selector'], 'spec.selector');

const PLAIN: Strategy = {
  generation: false,
  statusOnCreate: undefined,
  immutable: none,
  returnsDeletedObject: false,
};

/** Keyed by `group/resource`. Kinds absent here follow PLAIN. */
const BUILTIN: Readonly<Record<string, Partial<Strategy>>> = {
  // pkg/registry/core/pod/strategy.go (PrepareForCreate resets status to Pending; the
  // kubelet owns it) and pkg/registry/core/pod/storage/storage.go (ReturnDeletedObject).
  '/pods': { statusOnCreate: { phase: 'Pending' }, returnsDeletedObject: true },
  // pkg/registry/core/service/strategy.go (status reset), storage/storage.go
  // (ReturnDeletedObject) and the cluster IP rule above.
  '/services': {
    statusOnCreate: { loadBalancer: {} },
    immutable: serviceClusterIp,
    returnsDeletedObject: true,
  },
  // pkg/registry/core/namespace/storage/storage.go: ReturnDeletedObject.
  '/namespaces': { returnsDeletedObject: true },
  // pkg/registry/core/serviceaccount/storage/storage.go: ReturnDeletedObject.
  '/serviceaccounts': { returnsDeletedObject: true },
  '/configmaps': { immutable: immutableData },
  // pkg/apis/core/validation/validation.go, ValidateSecretUpdate: type is immutable too.
  '/secrets': { immutable: all(immutableData, immutableField(['type'], 'type')) },
  // pkg/registry/core/persistentvolumeclaim/strategy.go and resourcequota/strategy.go:
  // PrepareForCreate clears status.
  '/persistentvolumeclaims': { statusOnCreate: {} },
  '/resourcequotas': { statusOnCreate: {} },
  // pkg/registry/core/replicationcontroller/strategy.go: generation, status reset.
  '/replicationcontrollers': { generation: true, statusOnCreate: { replicas: 0 } },
  // pkg/registry/apps/{deployment,replicaset,statefulset,daemonset}/strategy.go:
  // generation, status reset; pkg/apis/apps/validation: the selector is immutable.
  'apps/deployments': { generation: true, statusOnCreate: {}, immutable: selectorImmutable },
  'apps/replicasets': {
    generation: true,
    statusOnCreate: { replicas: 0 },
    immutable: selectorImmutable,
  },
  'apps/statefulsets': {
    generation: true,
    statusOnCreate: { replicas: 0, availableReplicas: 0 },
    immutable: selectorImmutable,
  },
  'apps/daemonsets': {
    generation: true,
    statusOnCreate: {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
    },
    immutable: selectorImmutable,
  },
  // pkg/registry/batch/job/strategy.go and cronjob/strategy.go: generation, status
  // reset; pkg/apis/batch/validation: a Job's selector is immutable.
  'batch/jobs': { generation: true, statusOnCreate: {}, immutable: selectorImmutable },
  'batch/cronjobs': { generation: true, statusOnCreate: {} },
  // staging/src/k8s.io/apiextensions-apiserver/pkg/registry/customresourcedefinition/
  // strategy.go: generation; the status is the server's own (see decorate).
  'apiextensions.k8s.io/customresourcedefinitions': { generation: true },
};

/**
 * The strategy of `type`. Custom resources follow
 * apiextensions-apiserver/pkg/registry/customresource/strategy.go: generation always,
 * status cleared on create when the status subresource is enabled, a Status on DELETE.
 */
export function strategyOf(type: ResourceType): Strategy {
  if (type.crdName !== undefined) {
    return { ...PLAIN, generation: true, statusOnCreate: type.hasStatus ? 'removed' : undefined };
  }
  return { ...PLAIN, ...BUILTIN[`${type.group}/${type.resource}`] };
}
