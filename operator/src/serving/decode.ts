/**
 * Decoding and validating an Open Inference Protocol infer request body against a model's
 * signature. Pure. Every rejection is a {@link BadRequestError} whose message names the input
 * and says what was expected and what came.
 */
import { CLASSIFIABLE_DATATYPES } from './classification.js';
import { allocate, isDatatype, store, type Datatype, type TensorData } from './datatype.js';
import { jsonPreview, NestingGauge } from './json-text.js';
import { formatShape, type ModelSignature, type TensorSpec } from './signature.js';

/** A request the client got wrong; the HTTP shell answers 400 `{"error": message}`. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
}

/** One decoded input, ready to become an onnxruntime tensor. */
export interface InputTensor {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export interface InferRequest {
  readonly id?: string;
  /** Exactly the model's inputs, in signature order. */
  readonly inputs: readonly InputTensor[];
  /** Names of the outputs to return, in signature order: all of them unless the request chose. */
  readonly outputs: readonly string[];
  /** Outputs asked for as classifications (`parameters.classification`): name → K. */
  readonly classification: ReadonlyMap<string, number>;
}

/** Deepest `data` nesting accepted for an input whose shape the model leaves undeclared. */
const MAX_RANK = 32;

/**
 * Deepest nesting of arrays and objects a request body may have: room for `data` nested to
 * {@link MAX_RANK} inside the request's own three levels, and for `parameters`.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * A check for each chunk of a request body as it arrives: throws {@link BadRequestError} as
 * soon as the body nests deeper than {@link MAX_JSON_DEPTH}, so no parser or recursive step
 * ever meets a deeper value, and the rest of such a body need not be read.
 */
export function nestingGuard(): (chunk: Uint8Array) => void {
  const gauge = new NestingGauge(MAX_JSON_DEPTH);
  return (chunk) => {
    if (!gauge.feed(chunk)) {
      throw new BadRequestError(
        `request body nests arrays and objects deeper than the ${MAX_JSON_DEPTH}-level limit`,
      );
    }
  };
}

/**
 * Parses a request body as JSON (whose depth {@link nestingGuard} has bounded); a syntax
 * error becomes `malformed JSON: <parser message>`.
 */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BadRequestError(`malformed JSON: ${(error as Error).message}`);
  }
}

/**
 * Checks `body` (parsed JSON) as `{ id?, parameters?, inputs: [...], outputs?: [...] }` and
 * decodes every input's `data`, flat or nested in row-major order, into a typed buffer.
 * `parameters` are accepted and ignored, but for an output's `classification` (see
 * classification.ts), which must be a whole number from 1 on an FP output of rank 2.
 */
export function decodeInferRequest(body: unknown, signature: ModelSignature): InferRequest {
  if (!isObject(body)) throw new BadRequestError('request body must be a JSON object');
  const { id, inputs, outputs } = body;
  if (id !== undefined && typeof id !== 'string') {
    throw new BadRequestError(`"id" must be a string, got ${describe(id)}`);
  }
  if (!Array.isArray(inputs)) {
    throw new BadRequestError('"inputs" must be an array of tensors');
  }
  const byName = new Map<string, Record<string, unknown>>();
  inputs.forEach((input: unknown, index) => {
    if (!isObject(input)) {
      throw new BadRequestError(
        `inputs[${index}] must be an object with "name", "datatype", "shape" and "data"`,
      );
    }
    const name = input.name;
    if (typeof name !== 'string') {
      throw new BadRequestError(`inputs[${index}]: "name" must be a string`);
    }
    if (!signature.inputs.some((spec) => spec.name === name)) {
      throw new BadRequestError(
        `unknown input "${name}": the model's inputs are ${quoteNames(signature.inputs)}`,
      );
    }
    if (byName.has(name)) throw new BadRequestError(`input "${name}" appears more than once`);
    byName.set(name, input);
  });
  const decoded = signature.inputs.map((spec) => {
    const input = byName.get(spec.name);
    if (input === undefined) {
      throw new BadRequestError(
        `missing input "${spec.name}": expected ${spec.datatype} ${formatShape(spec.shape)}`,
      );
    }
    return decodeInput(input, spec);
  });
  const request = {
    inputs: decoded,
    outputs: requestedOutputs(outputs, signature),
    classification: requestedClassification(outputs, signature),
  };
  return id === undefined ? request : { id, ...request };
}

function decodeInput(input: Record<string, unknown>, spec: TensorSpec): InputTensor {
  const where = `input "${spec.name}"`;
  const { datatype, shape, data } = input;
  if (typeof datatype !== 'string') {
    throw new BadRequestError(`${where}: "datatype" must be a string such as "${spec.datatype}"`);
  }
  if (datatype !== spec.datatype) {
    throw new BadRequestError(`${where}: expected datatype ${spec.datatype}, got ${datatype}`);
  }
  if (!isDatatype(datatype)) {
    throw new BadRequestError(`${where}: datatype ${datatype} is not supported by this server`);
  }
  const dims = checkShape(where, shape, spec);
  if (!Array.isArray(data)) throw new BadRequestError(`${where}: "data" must be an array`);
  const expected = dims.reduce((product, dim) => product * dim, 1);
  const maxDepth = Math.max(1, spec.shape.length === 0 ? MAX_RANK : dims.length);
  const leaves = countLeaves(data, 1, maxDepth, where, dims);
  if (leaves !== expected) {
    throw new BadRequestError(
      `${where}: shape ${formatShape(dims)} needs ${expected} elements, data has ${leaves}`,
    );
  }
  const buffer = allocate(datatype, expected);
  fill(data, buffer, 0, datatype, where);
  return { name: spec.name, datatype, shape: dims, data: buffer };
}

function checkShape(where: string, shape: unknown, spec: TensorSpec): number[] {
  const valid =
    Array.isArray(shape) &&
    shape.length <= MAX_RANK &&
    shape.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= 0);
  if (!valid) {
    throw new BadRequestError(
      `${where}: "shape" must be an array of non-negative integers, got ${describe(shape)}`,
    );
  }
  const dims = shape as number[];
  const declared = spec.shape;
  const fits =
    declared.length === 0 ||
    (declared.length === dims.length &&
      declared.every((dim, index) => dim === -1 || dim === dims[index]));
  if (!fits) {
    throw new BadRequestError(
      `${where}: expected shape ${formatShape(declared)}, got ${formatShape(dims)}`,
    );
  }
  return dims;
}

/** Elements in (possibly nested) `data`, refusing nesting deeper than the shape's rank. */
function countLeaves(
  data: readonly unknown[],
  depth: number,
  maxDepth: number,
  where: string,
  dims: readonly number[],
): number {
  let count = 0;
  for (const item of data) {
    if (Array.isArray(item)) {
      if (depth >= maxDepth) {
        throw new BadRequestError(
          `${where}: "data" is nested deeper than its shape ${formatShape(dims)}`,
        );
      }
      count += countLeaves(item, depth + 1, maxDepth, where, dims);
    } else {
      count += 1;
    }
  }
  return count;
}

/** Writes the leaves of `data` into `buffer` from `offset`; returns the next offset. */
function fill(
  data: readonly unknown[],
  buffer: TensorData,
  offset: number,
  datatype: Datatype,
  where: string,
): number {
  let index = offset;
  for (const item of data) {
    if (Array.isArray(item)) {
      index = fill(item, buffer, index, datatype, where);
      continue;
    }
    const expected = store(datatype, buffer, index, item);
    if (expected !== undefined) {
      throw new BadRequestError(
        `${where}: data[${index}] is ${describe(item)}, expected ${expected}`,
      );
    }
    index += 1;
  }
  return index;
}

function requestedOutputs(outputs: unknown, signature: ModelSignature): string[] {
  const all = signature.outputs.map((spec) => spec.name);
  if (outputs === undefined) return all;
  if (!Array.isArray(outputs)) {
    throw new BadRequestError('"outputs" must be an array of {"name": ...} objects');
  }
  const wanted = new Set<string>();
  outputs.forEach((output: unknown, index) => {
    if (!isObject(output) || typeof output.name !== 'string') {
      throw new BadRequestError(`outputs[${index}] must be an object with a string "name"`);
    }
    if (!all.includes(output.name)) {
      throw new BadRequestError(
        `unknown output "${output.name}": the model's outputs are ${quoteNames(signature.outputs)}`,
      );
    }
    wanted.add(output.name);
  });
  return wanted.size === 0 ? all : all.filter((name) => wanted.has(name));
}

function requestedClassification(outputs: unknown, signature: ModelSignature): Map<string, number> {
  const classification = new Map<string, number>();
  if (!Array.isArray(outputs)) return classification;
  for (const output of outputs as Record<string, unknown>[]) {
    const parameters = output.parameters;
    if (!isObject(parameters) || parameters.classification === undefined) continue;
    const k = parameters.classification;
    const spec = signature.outputs.find((candidate) => candidate.name === output.name);
    if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1) {
      throw new BadRequestError(
        `output "${String(output.name)}": "classification" must be a whole number from 1, got ${describe(k)}`,
      );
    }
    if (
      spec === undefined ||
      !CLASSIFIABLE_DATATYPES.includes(spec.datatype) ||
      spec.shape.length !== 2
    ) {
      throw new BadRequestError(
        `output "${String(output.name)}" cannot be classified: classification needs scores of shape [batch, classes]`,
      );
    }
    classification.set(spec.name, k);
  }
  return classification;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function quoteNames(specs: readonly TensorSpec[]): string {
  return specs.map((spec) => `"${spec.name}"`).join(', ');
}

/** A value as a message shows it: JSON, cut at 40 characters. */
function describe(value: unknown): string {
  return jsonPreview(value, 40);
}
