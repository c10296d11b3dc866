/** Stacking tensors along dimension 0 and cutting them back into rows. Pure. */
import type { TensorData } from './datatype.js';

/** Number of elements a shape holds (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

/**
 * The parts joined end to end, as one buffer of the first part's kind: stacking row-major
 * tensors `[n_i, ...rest]` gives `[Σn_i, ...rest]`. Parts must all be the same kind.
 */
export function concatData(parts: readonly TensorData[]): TensorData {
  const [first] = parts;
  if (first === undefined) throw new RangeError('concatData needs at least one part');
  if (parts.length === 1) return first;
  if (Array.isArray(first)) return (parts as readonly string[][]).flat();
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const Kind = first.constructor as new (length: number) => Exclude<TensorData, string[]>;
  const joined = new Kind(total);
  let offset = 0;
  for (const part of parts) {
    (joined as Float32Array).set(part as Float32Array, offset);
    offset += part.length;
  }
  return joined;
}

/**
 * Elements of rows `[start, start + count)` of a row-major tensor whose rows hold `rowSize`
 * elements each. Typed arrays come back as views that share the batch's memory.
 */
export function sliceRows(
  data: TensorData | readonly unknown[],
  rowSize: number,
  start: number,
  count: number,
): TensorData | readonly unknown[] {
  const from = start * rowSize;
  const to = from + count * rowSize;
  return Array.isArray(data) ? data.slice(from, to) : (data as Float32Array).subarray(from, to);
}
