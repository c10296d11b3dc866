/**
 * Bounded samples of live traffic, per feature, for drift detection and canary analysis.
 *
 * Served at `GET /v2/models/{name}/samples` as a {@link SamplesSnapshot}:
 *
 * ```json
 * {
 *   "model_name": "iris",
 *   "model_version": "1",
 *   "instance": "3f9c…",            // random per process: reading one pod twice is detectable
 *   "started": "2025-01-01T00:00:00.000Z",
 *   "capacity": 512,                // most rows kept
 *   "seen": 10234,                  // rows served since `started` (successful requests only)
 *   "size": 512,                    // rows held: min(seen, capacity)
 *   "inputs":  [{ "name": "input[0]", "tensor": "input", "index": 0, "datatype": "FP32",
 *                 "values": [5.1, 6.7, …] }],
 *   "outputs": [{ "name": "label", "tensor": "label", "index": null, "datatype": "INT64",
 *                 "values": [0, 2, …] }]
 * }
 * ```
 *
 * Contract:
 * - A row is one slice along dimension 0 of a request (a request to a model that is not
 *   batch-major is one row). Each row is one feature per element: `tensor[i]` for element i of
 *   the row (row-major), or just `tensor` when a row holds one element. At most
 *   `maxFeatures` features per tensor are kept (the first ones).
 * - `values` of every feature have `size` entries, and entry k of every feature, inputs and
 *   outputs alike, comes from the same row: the sample is a uniform reservoir sample of rows,
 *   so joint and conditional views are valid, not just marginals. Values are JSON numbers
 *   (integers exact up to 2^53), strings (BYTES) or booleans (BOOL); null where a row had no
 *   such element (rows of varying length).
 * - Snapshots of several pods merge into one uniform sample of all their rows with
 *   {@link mergeSamples}, which weighs each pod's rows by `seen / size`.
 * - `?since=<RFC 3339 time>` keeps only the held rows served at or after that time. They are
 *   a uniform sample of the rows served since then (the rows of a uniform reservoir picked
 *   by when they came are uniform among the rows that came then); `size` counts them, and
 *   `seen` is their share of `seen` (each held row stands for `seen / size` served rows),
 *   so merging still weighs pods by the traffic of that span.
 */
import { randomUUID } from 'node:crypto';
import { jsonElements, type JsonElement, type TensorData } from './datatype.js';
import { ReservoirSlots } from './reservoir-slots.js';

export interface FeatureSample {
  readonly name: string;
  readonly tensor: string;
  /** Element index within a row, or null when the row holds one element. */
  readonly index: number | null;
  readonly datatype: string;
  readonly values: readonly (JsonElement | null)[];
}

export interface SamplesSnapshot {
  readonly model_name: string;
  readonly model_version: string;
  readonly instance: string;
  readonly started: string;
  readonly capacity: number;
  readonly seen: number;
  readonly size: number;
  readonly inputs: readonly FeatureSample[];
  readonly outputs: readonly FeatureSample[];
}

/** A tensor of one served request, as the sampler reads it. */
export interface SampledTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly data: TensorData | readonly unknown[];
}

export interface SampleStoreOptions {
  model: string;
  version: string;
  capacity: number;
  maxFeatures: number;
  random?: () => number;
  now?: () => Date;
}

interface Column {
  readonly tensor: string;
  readonly index: number | null;
  readonly datatype: string;
  readonly values: (JsonElement | null)[];
}

/** Keeps the reservoir of rows; memory is bounded by capacity × features. */
export class SampleStore {
  readonly #options: SampleStoreOptions;
  readonly #reservoir: ReservoirSlots;
  readonly #inputs = new Map<string, Column>();
  readonly #outputs = new Map<string, Column>();
  /** When the row in each slot was served, in epoch milliseconds. */
  readonly #servedAt: number[] = [];
  readonly #instance = randomUUID();
  readonly #started: string;

  constructor(options: SampleStoreOptions) {
    this.#options = options;
    this.#reservoir = new ReservoirSlots(options.capacity, options.random);
    this.#started = (options.now?.() ?? new Date()).toISOString();
  }

  /** Offers every row of one successful request: its inputs and its outputs. */
  record(inputs: readonly SampledTensor[], outputs: readonly SampledTensor[]): void {
    const all = [...inputs, ...outputs];
    const rows = all[0]?.shape[0] ?? 1;
    const batchMajor = all.every((tensor) => tensor.shape.length > 0 && tensor.shape[0] === rows);
    const rowCount = batchMajor ? rows : 1;
    const views = (tensors: readonly SampledTensor[]): (readonly JsonElement[])[] =>
      tensors.map((tensor) => jsonElements(tensor.datatype, tensor.data));
    let inputValues: (readonly JsonElement[])[] | undefined;
    let outputValues: (readonly JsonElement[])[] | undefined;
    let servedAt: number | undefined;
    for (let row = 0; row < rowCount; row++) {
      const slot = this.#reservoir.offer();
      if (slot === undefined) continue;
      servedAt ??= (this.#options.now?.() ?? new Date()).getTime();
      this.#servedAt[slot] = servedAt;
      inputValues ??= views(inputs);
      outputValues ??= views(outputs);
      this.#write(this.#inputs, inputs, inputValues, slot, row, rowCount);
      this.#write(this.#outputs, outputs, outputValues, slot, row, rowCount);
    }
  }

  /** The held rows; with `sinceMs`, only those served at or after it (see the file's doc). */
  snapshot(sinceMs?: number): SamplesSnapshot {
    const held = this.#reservoir.size;
    const slots = Array.from({ length: held }, (_, k) => k).filter(
      (k) => sinceMs === undefined || (this.#servedAt[k] ?? -Infinity) >= sinceMs,
    );
    const size = slots.length;
    const seen =
      sinceMs === undefined || held === 0
        ? this.#reservoir.seen
        : Math.round((size * this.#reservoir.seen) / held);
    const features = (columns: Map<string, Column>): FeatureSample[] =>
      [...columns].map(([name, column]) => ({
        name,
        tensor: column.tensor,
        index: column.index,
        datatype: column.datatype,
        values: slots.map((k) => column.values[k] ?? null),
      }));
    return {
      model_name: this.#options.model,
      model_version: this.#options.version,
      instance: this.#instance,
      started: this.#started,
      capacity: this.#options.capacity,
      seen,
      size,
      inputs: features(this.#inputs),
      outputs: features(this.#outputs),
    };
  }

  #write(
    columns: Map<string, Column>,
    tensors: readonly SampledTensor[],
    values: readonly (readonly JsonElement[])[],
    slot: number,
    row: number,
    rowCount: number,
  ): void {
    tensors.forEach((tensor, t) => {
      const elements = values[t] ?? [];
      const rowSize = Math.floor(elements.length / rowCount);
      const kept = Math.min(rowSize, this.#options.maxFeatures);
      for (const column of columns.values()) {
        if (column.tensor === tensor.name) column.values[slot] = null;
      }
      for (let i = 0; i < kept; i++) {
        const name = rowSize === 1 ? tensor.name : `${tensor.name}[${i}]`;
        let column = columns.get(name);
        if (column === undefined) {
          column = {
            tensor: tensor.name,
            index: rowSize === 1 ? null : i,
            datatype: tensor.datatype,
            values: [],
          };
          columns.set(name, column);
        }
        column.values[slot] = elements[row * rowSize + i] ?? null;
      }
    });
  }
}
