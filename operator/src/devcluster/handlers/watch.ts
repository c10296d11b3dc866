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
import type { Change } from '../storage/store.js';
import type { IncludeObject } from '../table/table.js';
import type { Cluster } from './cluster.js';
import { render, selectionOf, selects, type Rendering } from './read.js';

export interface WatchOptions {
  rendering: Rendering;
  include: IncludeObject;
  /** Interval between BOOKMARK events when the client allows them. */
  bookmarkMs: number;
  /** Used when the client gives no timeoutSeconds. */
  defaultTimeoutSeconds: number;
}

/** Live watches, so tests can close them all at once. */
export class WatchSet {
  private readonly open = new Set<ServerResponse>();

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
  let backlog: Change[] = [];
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
      response.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
      return;
    }
    backlog = changes;
  }

  response.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  response.flushHeaders();
  watches.add(response);
  const now = (): number => cluster.now();
  const send = (eventType: string, object: JsonObject): void => {
    response.write(
      `${JSON.stringify({ type: eventType, object: render(type, object, options.rendering, now(), options.include) })}\n`,
    );
  };
  const deliver = (change: Change): void => {
    if (change.storage !== storage) return;
    const now = matches(change.object);
    const before = change.type === 'MODIFIED' && matches(change.previous);
    if (change.type === 'DELETED') {
      if (matches(change.previous ?? change.object)) send('DELETED', change.object);
    } else if (now && (change.type === 'ADDED' || before)) send(change.type, change.object);
    else if (now) send('ADDED', change.object);
    else if (before) send('DELETED', change.object);
  };

  const bookmark = (initialEnd = false): void => {
    const metadata: JsonObject = { resourceVersion: String(cluster.store.resourceVersion) };
    if (initialEnd) metadata['annotations'] = { 'k8s.io/initial-events-end': 'true' };
    const object: JsonObject = { kind: type.kind, apiVersion: apiVersionOf(type), metadata };
    response.write(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
  };

  if (requested === '' || requested === '0') {
    for (const object of cluster.store.list(storage, scope))
      if (selects(selection, object)) send('ADDED', object);
  } else for (const change of backlog) deliver(change);
  const bookmarks = booleanParameter(query, 'allowWatchBookmarks');
  if (bookmarks && booleanParameter(query, 'sendInitialEvents')) bookmark(true);

  const unsubscribe = cluster.store.subscribe(deliver);
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
