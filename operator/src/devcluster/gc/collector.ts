/**
 * Background garbage collection and namespace termination, run soon after deletions:
 * an object whose every ownerReference points at a uid that no longer exists is deleted
 * (honouring its own finalizers); an owner deleted in the foreground keeps its
 * `foregroundDeletion` finalizer until its dependents are gone; a terminating namespace has its content deleted and
 * goes once it is empty.
 */
import { clone, getPath, isObject, stringAt, type JsonObject } from '../core/json.js';
import { storageKey } from '../registry/types.js';
import type { Cluster } from '../handlers/cluster.js';
import { dependentsOf, FOREGROUND, remove } from '../handlers/delete.js';
import { commit } from '../handlers/commit.js';

export class Collector {
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly cluster: Cluster) {}

  /** Runs a collection pass soon; many calls in one tick make one pass. */
  schedule(): void {
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      this.collect();
    });
  }

  stop(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }

  /** Collects until nothing more changes. */
  collect(): void {
    for (let pass = 0; pass < 100; pass++) {
      const owners = this.collectOwnerless();
      const foreground = this.finishForeground();
      if (!owners && !foreground && !this.finishNamespaces()) return;
    }
  }

  private deleteObject(storage: string, object: JsonObject): boolean {
    const [group = '', resource = ''] = storage.split('/');
    const type = this.cluster.typeFor(group, resource);
    if (type === undefined) return false;
    if (getPath(object, ['metadata', 'deletionTimestamp']) !== undefined) return false;
    remove(
      this.cluster,
      {
        type,
        namespace: stringAt(object, 'metadata', 'namespace') ?? '',
        name: stringAt(object, 'metadata', 'name') ?? '',
      },
      { dryRun: false, propagationPolicy: 'Background', preconditions: {} },
    );
    return true;
  }

  private collectOwnerless(): boolean {
    const store = this.cluster.store;
    let changed = false;
    for (const { storage, object } of this.cluster.dependents()) {
      const refs = getPath(object, ['metadata', 'ownerReferences']);
      const owners = Array.isArray(refs) ? refs.filter(isObject) : [];
      if (owners.length > 0 && owners.every((ref) => !store.hasUid(stringAt(ref, 'uid') ?? ''))) {
        changed = this.deleteObject(storage, object) || changed;
      }
    }
    return changed;
  }

  /** Deletes the dependents of foreground deletions; releases owners once none remain. */
  private finishForeground(): boolean {
    let changed = false;
    for (const uid of [...this.cluster.foreground]) {
      const dependents = dependentsOf(this.cluster, uid);
      for (const { storage, object } of dependents)
        changed = this.deleteObject(storage, object) || changed;
      if (dependents.length > 0) continue;
      this.cluster.foreground.delete(uid);
      const owner = this.cluster.store.findUid(uid);
      if (owner === undefined) continue;
      const [group = '', resource = ''] = owner.storage.split('/');
      const type = this.cluster.typeFor(group, resource);
      const finalizers = getPath(owner.object, ['metadata', 'finalizers']);
      if (type === undefined || !Array.isArray(finalizers)) continue;
      const next = clone(owner.object);
      (next['metadata'] as JsonObject)['finalizers'] = finalizers.filter((f) => f !== FOREGROUND);
      commit(
        this.cluster,
        {
          type,
          namespace: stringAt(next, 'metadata', 'namespace') ?? '',
          name: stringAt(next, 'metadata', 'name') ?? '',
        },
        owner.object,
        next,
        {
          dryRun: false,
          fieldManager: '',
          fieldValidation: 'Ignore',
          subresource: '',
          warnings: [],
          duplicates: [],
        },
        true,
      );
      changed = true;
    }
    return changed;
  }

  private finishNamespaces(): boolean {
    const namespaceType = this.cluster.namespaceType();
    const namespaces = storageKey(namespaceType);
    let changed = false;
    for (const namespace of [...this.cluster.store.list(namespaces)]) {
      if (getPath(namespace, ['metadata', 'deletionTimestamp']) === undefined) continue;
      const name = stringAt(namespace, 'metadata', 'name') ?? '';
      let remaining = 0;
      for (const storage of this.cluster.store.storages()) {
        if (storage === namespaces) continue;
        for (const object of [...this.cluster.store.list(storage, name)]) {
          remaining++;
          changed = this.deleteObject(storage, object) || changed;
        }
      }
      if (remaining === 0) {
        this.cluster.store.remove(namespaces, namespace);
        changed = true;
      }
    }
    return changed;
  }
}
