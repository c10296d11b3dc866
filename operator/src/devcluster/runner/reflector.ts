/**
 * A cache of one resource in all namespaces, kept by list-then-watch over HTTP, as
 * client-go's reflector keeps an informer's store.
 *
 * Contract:
 * - `start` lists once and rejects if that fails (the server is not there); from then on the
 *   cache follows a watch (`allowWatchBookmarks`), and `onChange` is called after every
 *   change. When the watch ends, drops or fails, or reports 410 Expired, the reflector
 *   relists, retrying with a back-off from 200 ms doubling to 5 s, until `stop`.
 * - Entries are ordered by resourceVersion, read as an integer (devcluster's are): an event
 *   or list never replaces a newer entry, and an object deleted at version V is not brought
 *   back by an older event. `observe` and `forget` record the runner's own writes at once, so
 *   a pass that follows a write already sees it.
 */
import {
  ApiError,
  apiError,
  describeError,
  parseJson,
  REQUEST_TIMEOUT_MS,
  type ApiClient,
} from './api.js';
import { identityOf, isObject, numberAt, objectsAt, stringAt, type JsonObject } from './json.js';

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 5_000;
/** Watches are re-established this often, as client-go's 5–10 min timeouts do. */
const WATCH_TIMEOUT_SECONDS = 300;

export class Reflector {
  private readonly objects = new Map<string, JsonObject>();
  /** Keys deleted at a resourceVersion, so older events cannot resurrect them. */
  private readonly tombstones = new Map<string, string | undefined>();
  private resourceVersion = '';
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly api: ApiClient,
    /** The all-namespaces collection, e.g. `/api/v1/pods`. */
    private readonly path: string,
    private readonly onChange: () => void,
    private readonly log: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    await this.list();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  items(): JsonObject[] {
    return [...this.objects.values()];
  }

  get(key: string): JsonObject | undefined {
    return this.objects.get(key);
  }

  /** Records an object as the server returned it after a write by the runner. */
  observe(object: JsonObject): void {
    if (this.upsert(object)) this.onChange();
  }

  /**
   * Records the server's reply to a DELETE by the runner: an object that is only being
   * deleted (it has a `deletionTimestamp`: finalizers, or a pod's grace period) is kept
   * as it now is, anything else is gone.
   */
  forget(object: JsonObject): void {
    const changed =
      identityOf(object)?.deleting === true ? this.upsert(object) : this.remove(object);
    if (changed) this.onChange();
  }

  private stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopped()) {
      try {
        await this.watch();
      } catch (error) {
        if (this.stopped()) return;
        this.log(`watch ${this.path}: ${describeError(error)}; relisting`);
      }
      for (let delay = FIRST_RETRY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_MS)) {
        if (!(await this.sleep(delay))) return;
        try {
          await this.list();
          break;
        } catch (error) {
          this.log(
            `list ${this.path}: ${describeError(error)}; retrying in ${Math.min(delay * 2, MAX_RETRY_MS)} ms`,
          );
        }
      }
    }
  }

  /** Resolves false when stopped during the wait. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const signal = this.abort.signal;
      if (signal.aborted) {
        resolve(false);
        return;
      }
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async list(): Promise<void> {
    const response = await fetch(this.api.url(this.path), {
      headers: { accept: 'application/json' },
      signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    const text = await response.text();
    const body = parseJson(text);
    if (response.status !== 200 || !isObject(body)) throw apiError(response.status, body, text);
    const listed = stringAt(body, 'metadata', 'resourceVersion') ?? '';
    const items = new Map<string, JsonObject>();
    for (const item of objectsAt(body, 'items')) {
      const identity = identityOf(item);
      if (identity !== undefined) items.set(identity.key, item);
    }
    // Keep what the runner itself wrote after the list was taken.
    for (const [key, object] of this.objects) {
      if (!items.has(key) && after(versionAt(object), listed)) items.set(key, object);
    }
    for (const [key, version] of this.tombstones) {
      if (after(version, listed)) items.delete(key);
      else this.tombstones.delete(key);
    }
    this.objects.clear();
    for (const [key, object] of items) this.objects.set(key, object);
    this.resourceVersion = listed;
    this.onChange();
  }

  private async watch(): Promise<void> {
    const query = new URLSearchParams({
      watch: 'true',
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(WATCH_TIMEOUT_SECONDS),
    });
    const response = await fetch(this.api.url(`${this.path}?${query.toString()}`), {
      headers: { accept: 'application/json' },
      signal: this.abort.signal,
    });
    if (response.status !== 200 || response.body === null) {
      const text = await response.text();
      throw apiError(response.status, parseJson(text), text);
    }
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, end).trim();
        buffered = buffered.slice(end + 1);
        if (line !== '') this.event(JSON.parse(line) as unknown);
      }
    }
  }

  /** Applies one watch event; throws on ERROR events and malformed ones, which end the watch. */
  private event(event: unknown): void {
    const type = isObject(event) ? event['type'] : undefined;
    const object = isObject(event) ? event['object'] : undefined;
    if (!isObject(object)) throw new Error('watch event without an object');
    if (type === 'ERROR') {
      throw new ApiError(
        numberAt(object, 'code') ?? 500,
        stringAt(object, 'reason') ?? '',
        stringAt(object, 'message') ?? 'watch error',
      );
    }
    const version = stringAt(object, 'metadata', 'resourceVersion');
    if (version !== undefined) this.resourceVersion = version;
    const changed =
      type === 'ADDED' || type === 'MODIFIED'
        ? this.upsert(object)
        : type === 'DELETED'
          ? this.remove(object)
          : false;
    if (changed) this.onChange();
  }

  private upsert(object: JsonObject): boolean {
    const identity = identityOf(object);
    if (identity === undefined) return false;
    const version = versionAt(object);
    const known = this.objects.get(identity.key);
    if (known !== undefined && !after(version, versionAt(known))) return false;
    if (this.tombstones.has(identity.key) && !after(version, this.tombstones.get(identity.key)))
      return false;
    this.tombstones.delete(identity.key);
    this.objects.set(identity.key, object);
    return true;
  }

  private remove(object: JsonObject): boolean {
    const identity = identityOf(object);
    if (identity === undefined) return false;
    const version = versionAt(object);
    const known = this.objects.get(identity.key);
    if (known !== undefined && !after(version, versionAt(known), true)) return false;
    this.tombstones.set(identity.key, version);
    return this.objects.delete(identity.key);
  }
}

/**
 * Whether resourceVersion `candidate` is after `known` (when `orEqual`, or the same).
 * Versions that are not integers cannot be ordered and always count as after.
 */
function after(candidate: string | undefined, known: string | undefined, orEqual = false): boolean {
  const a = Number(candidate);
  const b = Number(known);
  if (candidate === undefined || known === undefined) return true;
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return true;
  return orEqual ? a >= b : a > b;
}

function versionAt(object: JsonObject): string | undefined {
  return stringAt(object, 'metadata', 'resourceVersion');
}
