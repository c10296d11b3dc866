/**
 * Runs batches of decoded requests through an onnxruntime session: stacks them along
 * dimension 0, runs once, and cuts each output back into every request's own rows. A batch
 * that fails, or whose outputs are not batch-major after all, is re-run one request at a
 * time, so one bad request never fails its neighbours.
 */
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { Datatypes, datatypeOfOrt, type TensorData } from './datatype.js';
import type { InferRequest, InputTensor } from './decode.js';
import type { ModelSignature } from './signature.js';
import { concatData, elementCount, sliceRows } from './tensor.js';

export interface OutputTensor {
  readonly name: string;
  /** OIP datatype name. */
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly data: TensorData | readonly unknown[];
}

/** One request's result: its outputs, or why inference failed (the shell answers 500). */
export type Outcome =
  | { readonly ok: true; readonly outputs: readonly OutputTensor[] }
  | { readonly ok: false; readonly error: string };

/**
 * How a request may stack: its rows along dimension 0 and a key shared only by requests of
 * the same shape past dimension 0. The key is undefined (run alone) when the model is not
 * batch-major, or the inputs disagree on dimension 0, or it is 0.
 */
export function stacking(
  request: InferRequest,
  signature: ModelSignature,
): { rows: number; key: string | undefined } {
  const rows = request.inputs[0]?.shape[0] ?? 1;
  const uniform = request.inputs.every((input) => input.shape[0] === rows);
  if (!signature.batchable || !uniform || rows === 0)
    return { rows: Math.max(rows, 1), key: undefined };
  return { rows, key: request.inputs.map((input) => input.shape.slice(1).join('x')).join(';') };
}

export type Execute = (batch: readonly InferRequest[]) => Promise<Outcome[]>;

/** The batch runner for `session`, whose signature is `signature`. */
export function createExecutor(session: InferenceSession, signature: ModelSignature): Execute {
  let stackable = signature.batchable;
  const runAlone = async (request: InferRequest): Promise<Outcome> => {
    try {
      const results = await session.run(feedsOf(request.inputs), [...request.outputs]);
      return { ok: true, outputs: request.outputs.map((name) => outputOf(name, results)) };
    } catch (error) {
      return { ok: false, error: `inference failed: ${(error as Error).message}` };
    }
  };
  return async (batch) => {
    const [only] = batch;
    if (only !== undefined && batch.length === 1) return [await runAlone(only)];
    if (stackable) {
      try {
        const outcomes = await runStacked(session, batch);
        if (outcomes !== undefined) return outcomes;
        stackable = false;
      } catch {
        // Some request broke the batch: find out which by running each alone.
      }
    }
    const outcomes: Outcome[] = [];
    for (const request of batch) outcomes.push(await runAlone(request));
    return outcomes;
  };
}

/** Runs `batch` stacked; undefined when an output's first dimension is not the row total. */
async function runStacked(
  session: InferenceSession,
  batch: readonly InferRequest[],
): Promise<Outcome[] | undefined> {
  const first = batch[0];
  if (first === undefined) return [];
  const rowsOf = batch.map((request) => request.inputs[0]?.shape[0] ?? 0);
  const total = rowsOf.reduce((sum, rows) => sum + rows, 0);
  const inputs = first.inputs.map((input, index): InputTensor => ({
    name: input.name,
    datatype: input.datatype,
    shape: [total, ...input.shape.slice(1)],
    data: concatData(batch.map((request) => (request.inputs[index] as InputTensor).data)),
  }));
  const wanted = [...new Set(batch.flatMap((request) => request.outputs))];
  const results = await session.run(feedsOf(inputs), wanted);
  const outputs = new Map(wanted.map((name) => [name, outputOf(name, results)]));
  for (const output of outputs.values()) if (output.shape[0] !== total) return undefined;
  let start = 0;
  return batch.map((request, index) => {
    const rows = rowsOf[index] ?? 0;
    const own = request.outputs.map((name): OutputTensor => {
      const whole = outputs.get(name) as OutputTensor;
      const rowSize = elementCount(whole.shape.slice(1));
      return {
        name,
        datatype: whole.datatype,
        shape: [rows, ...whole.shape.slice(1)],
        data: sliceRows(whole.data, rowSize, start, rows),
      };
    });
    start += rows;
    return { ok: true, outputs: own };
  });
}

function feedsOf(inputs: readonly InputTensor[]): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const input of inputs) {
    feeds[input.name] = new Tensor(Datatypes[input.datatype], input.data, input.shape);
  }
  return feeds;
}

function outputOf(name: string, results: InferenceSession.ReturnType): OutputTensor {
  const value = results[name];
  if (value === undefined) throw new Error(`the model returned no output "${name}"`);
  return {
    name,
    datatype: datatypeOfOrt(value.type),
    shape: value.dims,
    data: value.data,
  };
}
