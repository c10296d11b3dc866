/**
 * The classification extension of the Open Inference Protocol, as Triton and KServe define
 * it: a request that asks for an output with `"parameters": {"classification": K}` gets,
 * instead of that output's scores, a BYTES tensor of shape [batch, K] whose entries are
 * `"score:index"` for the K best classes of each row, best first, and `"score:index:label"`
 * when the server knows its class names (`ferry serve --class-names`). Pure.
 */
import type { OutputTensor } from './executor.js';

export const CLASSIFIABLE_DATATYPES = ['FP16', 'FP32', 'FP64'];

/** The top `k` classes of each row of a [batch, classes] score output, as classification strings. */
export function classify(
  output: OutputTensor,
  k: number,
  classNames: readonly string[] | undefined,
): OutputTensor {
  const [rows = 0, classes = 0] = output.shape;
  const values = Array.from(output.data as ArrayLike<number>);
  const data: string[] = [];
  for (let row = 0; row < rows; row++) {
    const scores = values.slice(row * classes, (row + 1) * classes);
    const ranked = scores
      .map((score, index) => ({ score, index }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, k);
    for (const { score, index } of ranked) {
      const label = classNames?.[index];
      data.push(
        label === undefined
          ? `${String(score)}:${String(index)}`
          : `${String(score)}:${String(index)}:${label}`,
      );
    }
  }
  return { name: output.name, datatype: 'BYTES', shape: [rows, Math.min(k, classes)], data };
}
