/**
 * The state every handler works on: objects, the resource registry, the clock, and the
 * hooks writes trigger (CRD registration, garbage collection).
 */
import { randomUUID } from 'node:crypto';
import { Registry } from '../registry/registry.js';
import { storageKey, type ResourceType } from '../registry/types.js';
import type { Store } from '../storage/store.js';
import { ClusterIps } from './builtin-defaults.js';
import { getPath, stringAt, type JsonObject } from '../core/json.js';
import { forbidden, notFound } from '../core/errors.js';

/** Checks a CRD against the structural-schema rules; returns problems, empty when fine. */
export type StructuralCheck = (crd: JsonObject) => { field: string; message: string }[];

export class Cluster {
  readonly registry = new Registry();
  /** Called after any deletion so owner references can be followed. */
  onDeleted: () => void = () => undefined;
  /** uids of objects being deleted in the foreground (held until their dependents go). */
  readonly foreground = new Set<string>();
  /** Structural-schema check applied to CRDs on create and update, when available. */
  structuralCheck: StructuralCheck | undefined;

  constructor(
    readonly store: Store,
    readonly now: () => number = Date.now,
  ) {}

  private readonly clusterIps = new ClusterIps();

  /** A free Service cluster IP. */
  allocateClusterIp(): string {
    const inUse = new Set<string>();
    for (const service of this.store.list('/services')) {
      const ip = getPath(service, ['spec', 'clusterIP']);
      if (typeof ip === 'string') inUse.add(ip);
    }
    return this.clusterIps.allocate(inUse);
  }

  uid(): string {
    return randomUUID();
  }

  typeFor(group: string, resource: string): ResourceType | undefined {
    return this.registry.all().find((type) => type.group === group && type.resource === resource);
  }

  namespaceType(): ResourceType {
    const type = this.registry.find('', 'v1', 'namespaces');
    if (type === undefined) throw new Error('namespaces are always registered');
    return type;
  }

  /** Throws 404 when `namespace` does not exist, 403 when it is terminating (for creates). */
  requireNamespace(namespace: string, creating: boolean): void {
    const found = this.store.get(storageKey(this.namespaceType()), '', namespace);
    if (found === undefined) throw notFound(this.namespaceType(), namespace);
    if (creating && getPath(found, ['metadata', 'deletionTimestamp']) !== undefined) {
      throw forbidden(
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  /** Keeps the registry in step with a stored (or removed) CRD. */
  syncCrd(crd: JsonObject, removed: boolean): void {
    const name = stringAt(crd, 'metadata', 'name') ?? '';
    if (removed) this.registry.removeCrd(name);
    else this.registry.defineCrd(crd, name);
  }

  /** The stored objects that carry metadata.ownerReferences, with their storage key. */
  dependents(): { storage: string; object: JsonObject }[] {
    return [...this.store.ownedObjects()];
  }
}
