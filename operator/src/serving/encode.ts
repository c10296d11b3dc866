/** Encoding Open Inference Protocol responses. Pure. */
import { jsonElements, type JsonElement } from './datatype.js';
import type { OutputTensor } from './executor.js';
import type { ModelSignature } from './signature.js';

export interface InferResponse {
  readonly model_name: string;
  readonly model_version: string;
  readonly id?: string;
  readonly outputs: readonly {
    readonly name: string;
    readonly datatype: string;
    readonly shape: readonly number[];
    readonly data: readonly JsonElement[];
  }[];
}

/**
 * The response for one request: `id` echoed when the request had one, and each output's
 * `data` flat in row-major order (INT64 as JSON numbers, exact up to 2^53; BOOL as booleans;
 * BYTES as strings; non-finite floats become null, as JSON has no NaN).
 */
export function inferResponse(
  model: string,
  version: string,
  id: string | undefined,
  outputs: readonly OutputTensor[],
): InferResponse {
  const encoded = outputs.map((output) => ({
    name: output.name,
    datatype: output.datatype,
    shape: [...output.shape],
    data: jsonElements(output.datatype, output.data),
  }));
  const base = { model_name: model, model_version: version };
  return id === undefined ? { ...base, outputs: encoded } : { ...base, id, outputs: encoded };
}

/** Model metadata, as `GET /v2/models/{name}` answers. */
export function modelMetadata(model: string, version: string, signature: ModelSignature): object {
  return {
    name: model,
    versions: [version],
    platform: 'onnxruntime_onnx',
    inputs: signature.inputs,
    outputs: signature.outputs,
  };
}
