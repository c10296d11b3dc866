/**
 * The model server's Prometheus metrics, on a registry of its own (so a process serving
 * several things never mixes them). Names and labels are a contract: the canary analysis
 * reads `ferry_serve_requests_total` and `ferry_serve_request_duration_seconds` from every
 * serving pod.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets (seconds), from 100 µs: an in-memory model answers in well under 1 ms. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Batch-size buckets (rows per model run). */
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256] as const;

export class ServeMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'model' | 'version' | 'code'>;
  readonly #model: string;
  readonly #version: string;
  /** Seconds from request start to response, for every infer request not refused with a 4xx. */
  readonly #latency: Histogram.Internal<'model' | 'version'>;
  /** Rows per model run. */
  readonly batchSize: Histogram.Internal<'model' | 'version'>;
  /** Seconds per model run. */
  readonly inferenceTime: Histogram.Internal<'model' | 'version'>;
  /** Requests waiting for the model. */
  readonly queueDepth: Gauge.Internal<'model' | 'version'>;
  /** Seconds taken to fetch, verify and load the model. */
  readonly loadTime: Gauge.Internal<'model' | 'version'>;

  /**
   * With `processMetrics`, the registry also carries prom-client's default process metrics
   * (memory, CPU, event loop lag): on for a real server, off for servers embedded in tests.
   */
  constructor(model: string, version: string, processMetrics = false) {
    this.#model = model;
    this.#version = version;
    const registers = [this.registry];
    const labels = { model, version };
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
    this.#requests = new Counter({
      name: 'ferry_serve_requests_total',
      help: 'Inference requests by model, version and HTTP status code',
      labelNames: ['model', 'version', 'code'],
      registers,
    });
    this.#latency = new Histogram({
      name: 'ferry_serve_request_duration_seconds',
      help: 'Inference request latency from first byte read to response written, except requests refused with a 4xx',
      labelNames: ['model', 'version'],
      buckets: [...LATENCY_BUCKETS],
      registers,
    }).labels(labels);
    this.batchSize = new Histogram({
      name: 'ferry_serve_batch_size',
      help: 'Rows per model run (requests stacked by dynamic batching)',
      labelNames: ['model', 'version'],
      buckets: [...BATCH_BUCKETS],
      registers,
    }).labels(labels);
    this.inferenceTime = new Histogram({
      name: 'ferry_serve_inference_duration_seconds',
      help: 'Seconds per model run (one batch)',
      labelNames: ['model', 'version'],
      buckets: [...LATENCY_BUCKETS],
      registers,
    }).labels(labels);
    this.queueDepth = new Gauge({
      name: 'ferry_serve_queue_depth',
      help: 'Inference requests waiting for the model',
      labelNames: ['model', 'version'],
      registers,
    }).labels(labels);
    this.loadTime = new Gauge({
      name: 'ferry_serve_model_load_seconds',
      help: 'Seconds taken to fetch, verify and load the model',
      labelNames: ['model', 'version'],
      registers,
    }).labels(labels);
  }

  readonly #byCode = new Map<number, Counter.Internal>();

  /**
   * Counts one finished infer request under its status code and, unless it was refused
   * with a 4xx, times it. A refusal is the client's mistake and cheap to answer: timing it
   * would let a flood of bad requests pull down the p99 the canary analysis judges.
   */
  recordRequest(code: number, seconds: number): void {
    if (code < 400 || code >= 500) this.#latency.observe(seconds);
    let counter = this.#byCode.get(code);
    if (counter === undefined) {
      counter = this.#requests.labels({
        model: this.#model,
        version: this.#version,
        code: String(code),
      });
      this.#byCode.set(code, counter);
    }
    counter.inc();
  }
}
