/**
 * A model's signature as the Open Inference Protocol shows it: tensor names, datatypes and
 * shapes, with -1 for a dynamic (symbolic or unknown) dimension. Pure.
 */
import { datatypeOfOrt } from './datatype.js';

/** One input or output: `{ name, datatype, shape }` as in OIP model metadata. */
export interface TensorSpec {
  readonly name: string;
  /** OIP datatype name; may name one this server does not decode (e.g. FP16). */
  readonly datatype: string;
  /** Dimensions, -1 where dynamic. Empty when the model leaves the shape undeclared. */
  readonly shape: readonly number[];
}

export interface ModelSignature {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /**
   * Whether requests may be stacked along dimension 0: every input and output is at least
   * rank 1 with a dynamic first dimension.
   */
  readonly batchable: boolean;
}

/** The metadata onnxruntime reports for one model input or output. */
export type ValueMetadata =
  | { readonly name: string; readonly isTensor: false }
  | {
      readonly name: string;
      readonly isTensor: true;
      readonly type: string;
      readonly shape: ReadonlyArray<number | string>;
    };

/** The model refuses to be served; the message says why. */
export class SignatureError extends Error {
  override readonly name = 'SignatureError';
}

/**
 * The signature of a model from onnxruntime's metadata. Non-tensor outputs (sequences, maps)
 * are left out, since they cannot travel as OIP tensors; a non-tensor input makes the model
 * unservable and throws {@link SignatureError}.
 */
export function signatureOf(
  inputs: readonly ValueMetadata[],
  outputs: readonly ValueMetadata[],
): ModelSignature {
  const inputSpecs = inputs.map((value) => {
    if (!value.isTensor) {
      throw new SignatureError(
        `input "${value.name}" is not a tensor; only tensor inputs can be served`,
      );
    }
    return specOf(value);
  });
  const outputSpecs = outputs.flatMap((value) => (value.isTensor ? [specOf(value)] : []));
  if (outputSpecs.length === 0) throw new SignatureError('the model has no tensor outputs');
  const batchMajor = (spec: TensorSpec): boolean => spec.shape.length > 0 && spec.shape[0] === -1;
  return {
    inputs: inputSpecs,
    outputs: outputSpecs,
    batchable: inputSpecs.length > 0 && [...inputSpecs, ...outputSpecs].every(batchMajor),
  };
}

function specOf(value: ValueMetadata & { isTensor: true }): TensorSpec {
  return {
    name: value.name,
    datatype: datatypeOfOrt(value.type),
    shape: value.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1)),
  };
}

/** `[-1,4]`: a shape as it appears in messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
