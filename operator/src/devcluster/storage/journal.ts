/**
 * Persistence under `--state-dir`: a snapshot (`state.json`) plus an append-only log
 * (`journal.ndjson`) of changes since. Each change is appended synchronously before the
 * write is acknowledged, so a crash loses nothing acknowledged; a torn last line is
 * ignored on load. Every `compactEvery` changes the snapshot is rewritten atomically
 * (write a temp file, fsync, rename) and the log restarts.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { isObject, type JsonObject } from '../core/json.js';
import type { Change, Journal, Store } from './store.js';

interface Entry {
  storage: string;
  key: string;
  rv: number;
  object?: JsonObject;
}

export class FileJournal implements Journal {
  private fd: number;
  private pending = 0;
  private readonly snapshotPath: string;
  private readonly logPath: string;

  private constructor(
    private readonly store: Store,
    directory: string,
    private readonly compactEvery: number,
  ) {
    this.snapshotPath = join(directory, 'state.json');
    this.logPath = join(directory, 'journal.ndjson');
    this.fd = openSync(this.logPath, 'a');
  }

  /** Loads `directory` into `store` and attaches a journal that keeps it up to date. */
  static open(store: Store, directory: string, compactEvery = 2_000): FileJournal {
    mkdirSync(directory, { recursive: true });
    const snapshot = join(directory, 'state.json');
    if (existsSync(snapshot)) {
      const parsed = JSON.parse(readFileSync(snapshot, 'utf8')) as unknown;
      if (Array.isArray(parsed)) for (const entry of parsed as Entry[]) apply(store, entry);
    }
    const log = join(directory, 'journal.ndjson');
    if (existsSync(log)) {
      for (const line of readFileSync(log, 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          apply(store, JSON.parse(line) as Entry);
        } catch {
          break;
        }
      }
    }
    const journal = new FileJournal(store, directory, compactEvery);
    journal.snapshot();
    store.journal = journal;
    return journal;
  }

  record(change: Change): void {
    const object = change.type === 'DELETED' ? undefined : change.text;
    writeSync(this.fd, `${entryText(change.storage, change.key, change.rv, object)}\n`);
    if (++this.pending >= this.compactEvery) this.snapshot();
  }

  /** Rewrites the snapshot atomically and truncates the log. */
  snapshot(): void {
    const rv = this.store.resourceVersion;
    const entries: string[] = [];
    for (const storage of this.store.storages()) {
      for (const { key, text } of this.store.entries(storage))
        entries.push(entryText(storage, key, rv, text));
    }
    if (entries.length === 0 && rv > 0) entries.push(entryText('', '', rv, undefined));
    const temp = `${this.snapshotPath}.tmp`;
    const fd = openSync(temp, 'w');
    writeSync(fd, `[${entries.join(',')}]`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, this.snapshotPath);
    closeSync(this.fd);
    this.fd = openSync(this.logPath, 'w');
    this.pending = 0;
  }

  close(): void {
    this.snapshot();
    closeSync(this.fd);
  }
}

/**
 * The JSON text of an {@link Entry} whose object is already serialised as `object`: what
 * `JSON.stringify` gives for the entry, without parsing the object again.
 */
function entryText(storage: string, key: string, rv: number, object: string | undefined): string {
  const head = JSON.stringify({ storage, key, rv });
  return object === undefined ? head : `${head.slice(0, -1)},"object":${object}}`;
}

function apply(store: Store, entry: Entry): void {
  if (entry.storage === '') {
    store.restore('', undefined, '', entry.rv);
    return;
  }
  store.restore(
    entry.storage,
    isObject(entry.object) ? entry.object : undefined,
    entry.key,
    entry.rv,
  );
}
