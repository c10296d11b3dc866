/**
 * The HTTP shell of `ferry serve`: Open Inference Protocol v2 over REST, Prometheus
 * `/metrics`, and `/samples`. It routes, reads bodies, and maps errors to status codes;
 * deciding what a request means happens in the pure modules it calls.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Batcher, QueueFullError } from '../batcher.js';
import {
  BadRequestError,
  decodeInferRequest,
  nestingGuard,
  parseJson,
  type InferRequest,
} from '../decode.js';
import { classify } from '../classification.js';
import { inferResponse, modelMetadata } from '../encode.js';
import { createExecutor, stacking, type Outcome } from '../executor.js';
import { ServeMetrics } from '../metrics.js';
import type { LoadedModel } from '../model.js';
import { SampleStore } from '../samples.js';
import { packageVersion } from '../../runtime/version.js';
import { PRODUCT } from '../../api/group.js';
import { ClientGoneError, discardBody, PayloadTooLargeError, readBody } from './body.js';
import { METHODS, routeOf, type Route } from './routes.js';
import { IdleCollector } from '../idle-collector.js';

export interface ServeOptions {
  readonly name: string;
  readonly version: string;
  /** Most rows per model run; 1 turns dynamic batching off. */
  readonly maxBatchSize: number;
  /** Longest a request waits for others to join its batch. */
  readonly maxBatchDelayMs: number;
  /** Most requests waiting for the model before new ones get 429. */
  readonly maxQueue: number;
  /** Model runs at once (default 1: onnxruntime already uses every core for one run). */
  readonly maxInFlight?: number;
  /** Largest request body (default 16 MiB); more gets 413. */
  readonly maxBodyBytes?: number;
  /** Rows kept in the samples reservoir (default 1000). */
  readonly sampleCapacity?: number;
  /** Features kept per tensor in the samples (default 64). */
  readonly maxSampleFeatures?: number;
  /**
   * The class names of a classifier's score outputs, by index, for classification requests;
   * when unset, the names the model's own metadata records, if any.
   */
  readonly classNames?: readonly string[];
  /** Export Node's process metrics too (default false). */
  readonly processMetrics?: boolean;
  /**
   * V8's full collection (`globalThis.gc` under `--expose-gc`), run once inference requests
   * have stopped for IDLE_COLLECT_MS, so the memory a burst grew is given back.
   */
  readonly collectGarbage?: () => void;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

const JSON_TYPE = 'application/json';

/** Most bytes of a refused body read (and dropped) so that its connection can be kept. */
const DISCARD_BUDGET = 64 * 1024;

/**
 * How long a connection whose refused body is left unread stays open after the answer. Closed
 * at once, the unread bytes make the kernel reset it, and a client still sending could see the
 * reset before it read the answer (RFC 9112, section 9.6); meanwhile nothing more is read.
 */
const LINGER_MS = 1000;

/** How long without an inference request makes the server idle, for `collectGarbage`. */
const IDLE_COLLECT_MS = 5000;

export class ModelServer {
  readonly metrics: ServeMetrics;
  readonly samples: SampleStore;
  readonly #model: LoadedModel;
  readonly #options: ServeOptions;
  readonly #server: Server;
  readonly #batcher: Batcher<InferRequest, Outcome>;
  readonly #maxBody: number;
  readonly #routes = new Map<string, Route>();
  readonly #idle: IdleCollector | undefined;
  #active = 0;
  #draining = false;
  #drained: (() => void) | undefined;

  constructor(model: LoadedModel, options: ServeOptions) {
    this.#model = model;
    this.#options = options;
    this.#maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.metrics = new ServeMetrics(options.name, options.version, options.processMetrics);
    this.metrics.loadTime.set(model.loadSeconds);
    this.samples = new SampleStore({
      model: options.name,
      version: options.version,
      capacity: options.sampleCapacity ?? 1000,
      maxFeatures: options.maxSampleFeatures ?? 64,
    });
    const execute = createExecutor(model.session, model.signature);
    this.#batcher = new Batcher<InferRequest, Outcome>({
      maxBatchSize: options.maxBatchSize,
      maxBatchDelayMs: options.maxBatchDelayMs,
      maxQueue: options.maxQueue,
      maxInFlight: options.maxInFlight ?? 1,
      execute: async (batch, rows) => {
        const started = performance.now();
        const outcomes = await execute(batch);
        this.metrics.inferenceTime.observe((performance.now() - started) / 1000);
        this.metrics.batchSize.observe(rows);
        return outcomes;
      },
      onDepth: (depth) => {
        this.metrics.queueDepth.set(depth);
      },
    });
    this.#idle =
      options.collectGarbage === undefined
        ? undefined
        : new IdleCollector(options.collectGarbage, IDLE_COLLECT_MS);
    this.#server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
      this.#handle(request, response);
    });
  }

  /** Listens on `host:port` (0 picks a free port) and resolves with the base URL. */
  listen(port: number, host: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(error);
      };
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError);
        resolve(this.url);
      });
    });
  }

  get url(): string {
    const address = this.#server.address() as AddressInfo | null;
    if (address === null) throw new Error('the server is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /** Requests being handled right now. */
  get active(): number {
    return this.#active;
  }

  /**
   * Stops taking connections, lets every request already received finish (each answered
   * with `Connection: close`), then closes the remaining connections. Readiness reports 503
   * from the moment draining starts. Resolves once everything is closed.
   */
  async drain(): Promise<void> {
    this.#draining = true;
    this.#idle?.stop();
    // Requests already in socket buffers (sent while a model run held the thread) are read on
    // the next turn; wait for it, so they count as in flight rather than as idle connections.
    await new Promise((resolve) => setImmediate(resolve));
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    this.#server.closeIdleConnections();
    if (this.#active > 0) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    await this.#batcher.idle();
    this.#server.closeAllConnections();
    await closed;
  }

  /** Cuts every connection at once, answered or not: for when draining takes too long. */
  abort(): void {
    this.#draining = true;
    this.#idle?.stop();
    this.#server.close();
    this.#server.closeAllConnections();
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const started = performance.now();
    if (this.#draining) response.setHeader('connection', 'close');
    const path = request.url ?? '/';
    let route: Route | undefined;
    try {
      route = this.#routeOf(path);
    } catch {
      reply(response, 400, { error: `malformed URL ${path}` });
      return;
    }
    if (route === undefined) {
      reply(response, 404, { error: `no endpoint at ${path}` });
      return;
    }
    if (route.kind === 'infer' && !this.#draining) this.#idle?.touch();
    const method = METHODS[route.kind];
    if (request.method !== method) {
      response.setHeader('allow', method);
      reply(response, 405, {
        error: `${request.method ?? '?'} is not allowed on ${path}: use ${method}`,
      });
      return;
    }
    if ('name' in route) {
      const unknown = this.#unknownModel(route.name, route.version);
      if (unknown !== undefined) {
        reply(response, 404, { error: unknown });
        return;
      }
    }
    switch (route.kind) {
      case 'server':
        reply(response, 200, {
          name: 'ferry',
          version: packageVersion(PRODUCT),
          extensions: [],
        });
        return;
      case 'live':
        reply(response, 200, { live: true });
        return;
      case 'ready':
        reply(response, this.#draining ? 503 : 200, { ready: !this.#draining });
        return;
      case 'model-ready':
        reply(response, this.#draining ? 503 : 200, {
          name: this.#options.name,
          version: this.#options.version,
          ready: !this.#draining,
        });
        return;
      case 'model':
        reply(
          response,
          200,
          modelMetadata(this.#options.name, this.#options.version, this.#model.signature),
        );
        return;
      case 'samples': {
        const since = new URL(path, 'http://server').searchParams.get('since');
        const sinceMs = since === null ? undefined : Date.parse(since);
        if (sinceMs !== undefined && Number.isNaN(sinceMs)) {
          reply(response, 400, { error: `since must be an RFC 3339 time, not ${since}` });
          return;
        }
        reply(response, 200, this.samples.snapshot(sinceMs));
        return;
      }
      case 'metrics':
        void this.#sendMetrics(response);
        return;
      case 'infer':
        void this.#infer(request, response, started);
        return;
    }
  }

  /** {@link routeOf}, remembering the few paths clients use over and over. */
  #routeOf(path: string): Route | undefined {
    const known = this.#routes.get(path);
    if (known !== undefined) return known;
    const route = routeOf(path);
    if (route !== undefined && this.#routes.size < 64) this.#routes.set(path, route);
    return route;
  }

  #unknownModel(name: string, version: string | undefined): string | undefined {
    const { name: served, version: servedVersion } = this.#options;
    if (name !== served) return `unknown model "${name}": this server serves "${served}"`;
    if (version !== undefined && version !== servedVersion) {
      return `model "${name}" has no version "${version}": this server serves version "${servedVersion}"`;
    }
    return undefined;
  }

  async #infer(request: IncomingMessage, response: ServerResponse, started: number): Promise<void> {
    this.#active += 1;
    let code = 500;
    try {
      const decoded = decodeInferRequest(
        parseJson(await readBody(request, this.#maxBody, nestingGuard())),
        this.#model.signature,
      );
      const { rows, key } = stacking(decoded, this.#model.signature);
      const outcome = await this.#batcher.submit(decoded, rows, key);
      if (!outcome.ok) {
        code = reply(response, 500, { error: outcome.error });
        return;
      }
      this.samples.record(decoded.inputs, outcome.outputs);
      const body = inferResponse(
        this.#options.name,
        this.#options.version,
        decoded.id,
        outcome.outputs.map((output) => {
          const k = decoded.classification.get(output.name);
          return k === undefined
            ? output
            : classify(output, k, this.#options.classNames ?? this.#model.classNames);
        }),
      );
      code = reply(response, 200, body);
    } catch (error) {
      code = await this.#fail(request, response, error);
    } finally {
      this.metrics.recordRequest(code, (performance.now() - started) / 1000);
      this.#active -= 1;
      if (this.#active === 0 && this.#drained !== undefined) this.#drained();
    }
  }

  /** Answers a failed infer request; returns the status code sent (499: client went away). */
  async #fail(request: IncomingMessage, response: ServerResponse, error: unknown): Promise<number> {
    if (error instanceof BadRequestError || error instanceof PayloadTooLargeError) {
      const status = error instanceof BadRequestError ? 400 : 413;
      // Refused before its end: a small rest is read and dropped, keeping the connection;
      // a large one is never read (reading it would only churn memory), so it closes.
      const drained = await discardBody(request, DISCARD_BUDGET);
      return reply(response, status, { error: error.message }, drained ? undefined : LINGER_MS);
    }
    if (error instanceof QueueFullError) {
      return reply(response, 429, { error: error.message });
    }
    if (error instanceof ClientGoneError) {
      response.destroy();
      return 499;
    }
    return reply(response, 500, {
      error: `internal error: ${error instanceof Error ? error.message : String(error)}`,
    });
  }

  async #sendMetrics(response: ServerResponse): Promise<void> {
    try {
      const text = await this.metrics.registry.metrics();
      response.writeHead(200, {
        'content-type': this.metrics.registry.contentType,
        'content-length': Buffer.byteLength(text),
      });
      response.end(text);
    } catch (error) {
      reply(response, 500, { error: `metrics failed: ${String(error)}` });
    }
  }
}

/**
 * Writes a JSON response unless the client is gone or one was sent; returns `status`.
 * With `lingerMs`, for a request whose body is left unread: the answer says
 * `Connection: close`, and the response ends, closing the connection, that long after it
 * is written, so a client still sending reads it before the close.
 */
function reply(response: ServerResponse, status: number, body: object, lingerMs?: number): number {
  if (response.destroyed || response.headersSent) return status;
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(text),
    ...(lingerMs === undefined ? {} : { connection: 'close' }),
  });
  if (lingerMs === undefined) {
    response.end(text);
    return status;
  }
  response.write(text);
  setTimeout(() => {
    response.end();
  }, lingerMs).unref();
  return status;
}
