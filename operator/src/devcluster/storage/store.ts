/**
 * Objects by storage key (`group/resource`) and `namespace/name`, one global
 * resourceVersion counter bumped only by real writes, and a bounded history of changes
 * for watches. Stored objects are treated as immutable: writers pass fresh objects and
 * readers must not mutate what they get.
 */
import type { JsonObject } from '../core/json.js';

export interface Change {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  storage: string;
  /** The object after the change (for DELETED: as it was, with the deletion's RV). */
  object: JsonObject;
  rv: number;
  /** The object before the change, when there was one. */
  previous?: JsonObject;
}

/** Receives every committed change, in order, before the write is acknowledged. */
export interface Journal {
  record(change: Change): void;
}

function keyOf(object: JsonObject): string {
  const metadata = object['metadata'] as JsonObject | undefined;
  const namespace = typeof metadata?.['namespace'] === 'string' ? metadata['namespace'] : '';
  const name = typeof metadata?.['name'] === 'string' ? metadata['name'] : '';
  return `${namespace}/${name}`;
}

export class Store {
  private readonly objects = new Map<string, Map<string, JsonObject>>();
  private readonly sorted = new Map<string, JsonObject[]>();
  private history: Change[] = [];
  private rv = 0;
  /** Every change with rv > compactedRv is still in `history`. */
  private compactedRv = 0;
  private readonly listeners = new Set<(change: Change) => void>();
  /** uid → how many stored objects carry it (one, unless restored state is odd). */
  private readonly uids = new Map<string, number>();
  /** Objects with ownerReferences, by `storage` then `namespace/name`. */
  private readonly owned = new Map<string, Map<string, JsonObject>>();
  journal: Journal | undefined;

  constructor(readonly historyLimit = 10_000) {}

  get resourceVersion(): number {
    return this.rv;
  }

  get oldestWatchableRv(): number {
    return this.compactedRv;
  }

  get(storage: string, namespace: string, name: string): JsonObject | undefined {
    return this.objects.get(storage)?.get(`${namespace}/${name}`);
  }

  /** Objects of a storage key sorted by namespace then name; optionally one namespace. */
  list(storage: string, namespace?: string): JsonObject[] {
    let all = this.sorted.get(storage);
    if (all === undefined) {
      const entries = [...(this.objects.get(storage) ?? new Map<string, JsonObject>()).entries()];
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      all = entries.map(([, object]) => object);
      this.sorted.set(storage, all);
    }
    if (namespace === undefined) return all;
    return all.filter(
      (object) => (object['metadata'] as JsonObject | undefined)?.['namespace'] === namespace,
    );
  }

  storages(): string[] {
    return [...this.objects.keys()];
  }

  private index(
    storage: string,
    key: string,
    before: JsonObject | undefined,
    after: JsonObject | undefined,
  ): void {
    const uidOf = (object: JsonObject | undefined): string | undefined => {
      const uid = (object?.['metadata'] as JsonObject | undefined)?.['uid'];
      return typeof uid === 'string' ? uid : undefined;
    };
    const oldUid = uidOf(before);
    if (oldUid !== undefined) {
      const count = (this.uids.get(oldUid) ?? 1) - 1;
      if (count <= 0) this.uids.delete(oldUid);
      else this.uids.set(oldUid, count);
    }
    const newUid = uidOf(after);
    if (newUid !== undefined) this.uids.set(newUid, (this.uids.get(newUid) ?? 0) + 1);
    const refs = (after?.['metadata'] as JsonObject | undefined)?.['ownerReferences'];
    let bucket = this.owned.get(storage);
    if (Array.isArray(refs) && refs.length > 0 && after !== undefined) {
      if (bucket === undefined) {
        bucket = new Map();
        this.owned.set(storage, bucket);
      }
      bucket.set(key, after);
    } else bucket?.delete(key);
  }

  /** Whether some stored object has this uid. */
  hasUid(uid: string): boolean {
    return this.uids.has(uid);
  }

  /** Stored objects that carry ownerReferences. */
  *ownedObjects(): Generator<{ storage: string; object: JsonObject }> {
    for (const [storage, bucket] of this.owned)
      for (const object of bucket.values()) yield { storage, object };
  }

  /** Assigns the next resourceVersion to `object` (mutating it) and stores it. */
  put(storage: string, object: JsonObject): JsonObject {
    const key = keyOf(object);
    let bucket = this.objects.get(storage);
    if (bucket === undefined) {
      bucket = new Map();
      this.objects.set(storage, bucket);
    }
    const previous = bucket.get(key);
    this.rv++;
    (object['metadata'] as JsonObject)['resourceVersion'] = String(this.rv);
    bucket.set(key, object);
    this.sorted.delete(storage);
    this.index(storage, key, previous, object);
    if (previous === undefined) this.commit({ type: 'ADDED', storage, object, rv: this.rv });
    else this.commit({ type: 'MODIFIED', storage, object, rv: this.rv, previous });
    return object;
  }

  /** Removes an object; its DELETED event carries a fresh resourceVersion. */
  remove(storage: string, object: JsonObject): JsonObject {
    const key = keyOf(object);
    const previous = this.objects.get(storage)?.get(key);
    this.objects.get(storage)?.delete(key);
    this.sorted.delete(storage);
    this.index(storage, key, previous, undefined);
    this.rv++;
    const gone = {
      ...object,
      metadata: { ...(object['metadata'] as JsonObject), resourceVersion: String(this.rv) },
    };
    this.commit({ type: 'DELETED', storage, object: gone, rv: this.rv, previous: object });
    return gone;
  }

  /** Loads an object as persisted, without events (used when restoring state). */
  restore(storage: string, object: JsonObject | undefined, key: string, rv: number): void {
    let bucket = this.objects.get(storage);
    if (bucket === undefined) {
      bucket = new Map();
      this.objects.set(storage, bucket);
    }
    this.index(storage, key, bucket.get(key), object);
    if (object === undefined) bucket.delete(key);
    else bucket.set(key, object);
    this.sorted.delete(storage);
    this.rv = Math.max(this.rv, rv);
    this.compactedRv = this.rv;
  }

  private commit(change: Change): void {
    this.journal?.record(change);
    this.history.push(change);
    if (this.history.length > this.historyLimit * 2) {
      const dropped = this.history.length - this.historyLimit;
      this.compactedRv = this.history[dropped - 1]?.rv ?? this.compactedRv;
      this.history = this.history.slice(dropped);
    }
    for (const listener of this.listeners) listener(change);
  }

  /** Changes of `storage` after `rv`, or undefined when history no longer reaches back. */
  changesSince(storage: string, rv: number): Change[] | undefined {
    if (rv < this.compactedRv) return undefined;
    return this.history.filter((change) => change.rv > rv && change.storage === storage);
  }

  /** Forgets the history: a watch from any earlier resourceVersion gets 410 Expired. */
  compact(): void {
    this.history = [];
    this.compactedRv = this.rv;
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  keyOf(object: JsonObject): string {
    return keyOf(object);
  }
}
