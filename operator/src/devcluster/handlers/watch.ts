/**
 * Watches: newline-delimited `{"type","object"}` events over a chunked response.
 * resourceVersion unset or "0" starts with ADDED for every current object; a number
 * replays history after it, or sends ERROR 410 Expired when history no longer reaches
 * back. Objects that start or stop matching a selector arrive as ADDED or DELETED.
 * BOOKMARKs are sent when asked for; `timeoutSeconds` ends the watch.
 */
import type { ServerResponse } from 'node:http';
import { expired } from '../core/errors.js';
import { booleanParameter } from '../core/query.js';
import type { JsonObject } from '../core/json.js';
import { apiVersionOf, storageKey, type ResourceType } from '../registry/types.js';
import type { Store } from '../storage/store.js';
import type { IncludeObject } from '../table/table.js';
import type { Cluster } from './cluster.js';
import { selectionOf, selects, type Rendering } from './read.js';
import { eventLine, SharedChange, storedEventLine, type WatchRendering } from './watch-event.js';

export interface WatchOptions {
  rendering: Rendering;
  include: IncludeObject;
  /** Interval between BOOKMARK events when the client allows them. */
  bookmarkMs: number;
  /** Used when the client gives no timeoutSeconds. */
  defaultTimeoutSeconds: number;
}

/**
 * Live watches, so tests can close them all at once, and the fan-out of `store`'s
 * changes to them: each change reaches every watch as one {@link SharedChange}.
 */
export class WatchSet {
  private readonly open = new Set<ServerResponse>();
  private readonly receivers = new Set<(change: SharedChange) => void>();

  constructor(store: Store) {
    store.subscribe((change) => {
      if (this.receivers.size === 0) return;
      const shared = new SharedChange(change);
      for (const receive of this.receivers) receive(shared);
    });
  }

  /** Calls `receive` with every change from now on, until the returned function is called. */
  subscribe(receive: (change: SharedChange) => void): () => void {
    this.receivers.add(receive);
    return () => this.receivers.delete(receive);
  }

  add(response: ServerResponse): void {
    this.open.add(response);
    response.on('close', () => this.open.delete(response));
  }

  closeAll(): void {
    for (const response of this.open) response.end();
    this.open.clear();
  }

  get size(): number {
    return this.open.size;
  }
}

export function watch(
  cluster: Cluster,
  watches: WatchSet,
  type: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
  response: ServerResponse,
  options: WatchOptions,
): void {
  const selection = selectionOf(type, query);
  const storage = storageKey(type);
  const scope = type.namespaced ? namespace : undefined;
  const inScope = (object: JsonObject): boolean =>
    scope === undefined || (object['metadata'] as JsonObject | undefined)?.['namespace'] === scope;
  const matches = (object: JsonObject | undefined): boolean =>
    object !== undefined && inScope(object) && selects(selection, object);

  const requested = query.get('resourceVersion') ?? '';
  let backlog: SharedChange[] = [];
  if (requested !== '' && requested !== '0') {
    const since = Number(requested);
    const changes = Number.isInteger(since)
      ? cluster.store.changesSince(storage, since)
      : undefined;
    if (changes === undefined) {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      const status = expired(
        `too old resource version: ${requested} (${cluster.store.oldestWatchableRv})`,
      ).toStatus();
      response.end(eventLine('ERROR', status));
      return;
    }
    backlog = changes.map((change) => new SharedChange(change));
  }

  response.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  response.flushHeaders();
  watches.add(response);
  const view: WatchRendering = { type, rendering: options.rendering, include: options.include };
  const deliver = (shared: SharedChange): void => {
    const { change } = shared;
    if (change.storage !== storage) return;
    const send = (eventType: string): void => {
      response.write(shared.line(eventType, view, cluster.now()));
    };
    const now = matches(shared.object);
    const before = change.type === 'MODIFIED' && matches(shared.previous);
    if (change.type === 'DELETED') {
      if (matches(shared.previous ?? shared.object)) send('DELETED');
    } else if (now && (change.type === 'ADDED' || before)) send(change.type);
    else if (now) send('ADDED');
    else if (before) send('DELETED');
  };

  const bookmark = (initialEnd = false): void => {
    const metadata: JsonObject = { resourceVersion: String(cluster.store.resourceVersion) };
    if (initialEnd) metadata['annotations'] = { 'k8s.io/initial-events-end': 'true' };
    const object: JsonObject = { kind: type.kind, apiVersion: apiVersionOf(type), metadata };
    response.write(eventLine('BOOKMARK', object));
  };

  if (requested === '' || requested === '0') {
    for (const { text } of cluster.store.entries(storage, scope)) {
      const object = JSON.parse(text) as JsonObject;
      if (selects(selection, object))
        response.write(storedEventLine('ADDED', object, text, view, cluster.now()));
    }
  } else for (const change of backlog) deliver(change);
  const bookmarks = booleanParameter(query, 'allowWatchBookmarks');
  if (bookmarks && booleanParameter(query, 'sendInitialEvents')) bookmark(true);

  const unsubscribe = watches.subscribe(deliver);
  const timers: NodeJS.Timeout[] = [];
  if (bookmarks)
    timers.push(
      setInterval(() => {
        bookmark();
      }, options.bookmarkMs),
    );
  const timeout = Number(query.get('timeoutSeconds') ?? options.defaultTimeoutSeconds);
  timers.push(
    setTimeout(
      () => response.end(),
      (Number.isFinite(timeout) && timeout > 0 ? timeout : options.defaultTimeoutSeconds) * 1000,
    ),
  );
  const cleanup = (): void => {
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
  };
  response.on('close', cleanup);
}
