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
    const entry: Entry = {
      storage: change.storage,
      key: this.store.keyOf(change.object),
      rv: change.rv,
    };
    if (change.type !== 'DELETED') entry.object = change.object;
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    if (++this.pending >= this.compactEvery) this.snapshot();
  }

  /** Rewrites the snapshot atomically and truncates the log. */
  snapshot(): void {
    const entries: Entry[] = [];
    for (const storage of this.store.storages()) {
      for (const object of this.store.list(storage)) {
        entries.push({
          storage,
          key: this.store.keyOf(object),
          rv: this.store.resourceVersion,
          object,
        });
      }
    }
    if (entries.length === 0 && this.store.resourceVersion > 0) {
      entries.push({ storage: '', key: '', rv: this.store.resourceVersion });
    }
    const temp = `${this.snapshotPath}.tmp`;
    const fd = openSync(temp, 'w');
    writeSync(fd, JSON.stringify(entries));
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
