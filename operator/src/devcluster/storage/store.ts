/**
 * Objects by storage key (`group/resource`) and `namespace/name`, one global
 * resourceVersion counter bumped only by real writes, and a bounded history of changes
 * for watches.
 *
 * Objects are kept as their JSON text, the form every reader sends or persists, and parsed
 * again by each read: tens of thousands of stored objects (and their watch history) are
 * then a few large strings for the garbage collector rather than a graph of small live
 * objects, and a reader cannot change what is stored. Only objects with ownerReferences are
 * also kept parsed, for the garbage collector's walks.
 */
import { getPath, isObject, type JsonObject } from '../core/json.js';

/** A committed write, as watches replay it. */
export interface Change {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  storage: string;
  /** `namespace/name` (namespace empty for cluster-scoped objects). */
  key: string;
  rv: number;
  /** The object after the change as JSON text (for DELETED: as it was, with the deletion's RV). */
  text: string;
  /** The object before the change as JSON text, when there was one. */
  previous?: string;
}

/**
 * One stored object: its `namespace/name` and JSON text, with what lookups and label
 * selectors read from its metadata kept parsed.
 */
export interface Entry {
  readonly key: string;
  readonly text: string;
  readonly namespace: string | undefined;
  readonly uid: string | undefined;
  /** `metadata.labels`, empty when it is not an object. */
  readonly labels: Readonly<JsonObject>;
}

/** Receives every committed change, in order, before the write is acknowledged. */
export interface Journal {
  record(change: Change): void;
}

/** The string at `metadata.<field>`, if there is one. */
function metadataString(object: JsonObject | undefined, field: string): string | undefined {
  const value = (object?.['metadata'] as JsonObject | undefined)?.[field];
  return typeof value === 'string' ? value : undefined;
}

function keyOf(object: JsonObject): string {
  return `${metadataString(object, 'namespace') ?? ''}/${metadataString(object, 'name') ?? ''}`;
}

const NO_LABELS: Readonly<JsonObject> = Object.freeze({});

function parse(text: string): JsonObject {
  return JSON.parse(text) as JsonObject;
}

export class Store {
  private readonly objects = new Map<string, Map<string, Entry>>();
  private readonly sorted = new Map<string, Entry[]>();
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

  /** A fresh copy of the stored object, if there is one. */
  get(storage: string, namespace: string, name: string): JsonObject | undefined {
    const entry = this.objects.get(storage)?.get(`${namespace}/${name}`);
    return entry === undefined ? undefined : parse(entry.text);
  }

  /** Stored objects as text, sorted by namespace then name; optionally one namespace. */
  entries(storage: string, namespace?: string): readonly Entry[] {
    let all = this.sorted.get(storage);
    if (all === undefined) {
      all = [...(this.objects.get(storage)?.values() ?? [])].sort((a, b) =>
        a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
      );
      this.sorted.set(storage, all);
    }
    if (namespace === undefined) return all;
    return all.filter((entry) => entry.namespace === namespace);
  }

  /** Fresh copies of the objects of {@link entries}, in the same order. */
  list(storage: string, namespace?: string): JsonObject[] {
    return this.entries(storage, namespace).map((entry) => parse(entry.text));
  }

  storages(): string[] {
    return [...this.objects.keys()];
  }

  /**
   * Makes `stored.object`, serialised as `stored.text`, the entry `key` of `storage` (or,
   * with `stored` undefined, removes the entry), keeping the uid and owner indexes in step;
   * returns the entry it replaced.
   */
  private write(
    storage: string,
    key: string,
    stored: { object: JsonObject; text: string } | undefined,
  ): Entry | undefined {
    const object = stored?.object;
    let bucket = this.objects.get(storage);
    if (bucket === undefined) {
      bucket = new Map();
      this.objects.set(storage, bucket);
    }
    const before = bucket.get(key);
    if (before?.uid !== undefined) {
      const count = (this.uids.get(before.uid) ?? 1) - 1;
      if (count <= 0) this.uids.delete(before.uid);
      else this.uids.set(before.uid, count);
    }
    const uid = metadataString(object, 'uid');
    if (uid !== undefined) this.uids.set(uid, (this.uids.get(uid) ?? 0) + 1);
    const refs = (object?.['metadata'] as JsonObject | undefined)?.['ownerReferences'];
    let owned = this.owned.get(storage);
    if (Array.isArray(refs) && refs.length > 0 && stored !== undefined) {
      if (owned === undefined) {
        owned = new Map();
        this.owned.set(storage, owned);
      }
      owned.set(key, parse(stored.text));
    } else owned?.delete(key);
    if (stored === undefined) bucket.delete(key);
    else {
      const labels = getPath(object, ['metadata', 'labels']);
      bucket.set(key, {
        key,
        text: stored.text,
        namespace: metadataString(object, 'namespace'),
        uid,
        labels: isObject(labels) ? { ...labels } : NO_LABELS,
      });
    }
    this.sorted.delete(storage);
    return before;
  }

  /** Whether some stored object has this uid. */
  hasUid(uid: string): boolean {
    return this.uids.has(uid);
  }

  /** A stored object with this uid, and its storage key. */
  findUid(uid: string): { storage: string; object: JsonObject } | undefined {
    if (!this.uids.has(uid)) return undefined;
    for (const [storage, bucket] of this.objects) {
      for (const entry of bucket.values())
        if (entry.uid === uid) return { storage, object: parse(entry.text) };
    }
    return undefined;
  }

  /** Stored objects that carry ownerReferences. */
  *ownedObjects(): Generator<{ storage: string; object: JsonObject }> {
    for (const [storage, bucket] of this.owned)
      for (const object of bucket.values()) yield { storage, object };
  }

  /** Assigns the next resourceVersion to `object` (mutating it) and stores it. */
  put(storage: string, object: JsonObject): JsonObject {
    const key = keyOf(object);
    this.rv++;
    (object['metadata'] as JsonObject)['resourceVersion'] = String(this.rv);
    const text = JSON.stringify(object);
    const previous = this.write(storage, key, { object, text });
    if (previous === undefined) this.commit({ type: 'ADDED', storage, key, rv: this.rv, text });
    else
      this.commit({ type: 'MODIFIED', storage, key, rv: this.rv, text, previous: previous.text });
    return object;
  }

  /** Removes an object; its DELETED event carries a fresh resourceVersion. */
  remove(storage: string, object: JsonObject): JsonObject {
    const key = keyOf(object);
    this.write(storage, key, undefined);
    this.rv++;
    const gone = {
      ...object,
      metadata: { ...(object['metadata'] as JsonObject), resourceVersion: String(this.rv) },
    };
    this.commit({
      type: 'DELETED',
      storage,
      key,
      rv: this.rv,
      text: JSON.stringify(gone),
      previous: JSON.stringify(object),
    });
    return gone;
  }

  /** Loads an object as persisted, without events (used when restoring state). */
  restore(storage: string, object: JsonObject | undefined, key: string, rv: number): void {
    this.write(
      storage,
      key,
      object === undefined ? undefined : { object, text: JSON.stringify(object) },
    );
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
}
