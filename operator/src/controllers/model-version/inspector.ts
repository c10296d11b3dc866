/**
 * Reads a model artifact's signature in a child `ferry model-info` process, so a model
 * that crashes or hangs onnxruntime costs a child process, never the operator.
 */

import { execFile } from 'node:child_process';
import { TensorDatatypes } from '../../api/index.js';
import type { ArtifactCheck } from './plan.js';

type Tensor = Extract<ArtifactCheck, { ok: true }>['signature']['inputs'];

/** Tensors as the status schema holds them (every datatype `model-info` reports is an OIP one). */
function tensors(list: { name: string; datatype: string; shape: number[] }[]): NonNullable<Tensor> {
  return list.map((tensor) => ({
    name: tensor.name,
    datatype: (TensorDatatypes as readonly string[]).includes(tensor.datatype)
      ? (tensor.datatype as (typeof TensorDatatypes)[number])
      : 'BYTES',
    shape: tensor.shape,
  }));
}

const TIMEOUT_MS = 120_000;

interface ModelInfo {
  inputs?: { name: string; datatype: string; shape: number[] }[];
  outputs?: { name: string; datatype: string; shape: number[] }[];
  error?: string;
  reason?: 'unreadable' | 'digest' | 'invalid';
  retryable?: boolean;
}

export type ArtifactInspector = (artifact: {
  uri: string;
  sha256: string;
}) => Promise<ArtifactCheck>;

/** An inspector that runs `<entry> model-info` with this Node binary and the given claim table. */
export function childProcessInspector(
  entry: string,
  claims: ReadonlyMap<string, string>,
): ArtifactInspector {
  const claimFlags = [...claims].flatMap(([name, directory]) => [
    '--claim',
    `${name}=${directory}`,
  ]);
  return (artifact) =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [entry, 'model-info', '--model', artifact.uri, '--sha256', artifact.sha256, ...claimFlags],
        { timeout: TIMEOUT_MS, maxBuffer: 1 << 20 },
        (error, stdout) => {
          let info: ModelInfo | undefined;
          try {
            info = JSON.parse(stdout) as ModelInfo;
          } catch {
            info = undefined;
          }
          if (info?.inputs !== undefined && info.outputs !== undefined) {
            resolve({
              ok: true,
              signature: { inputs: tensors(info.inputs), outputs: tensors(info.outputs) },
            });
          } else if (info?.reason !== undefined) {
            const reason =
              info.reason === 'digest'
                ? 'DigestMismatch'
                : info.reason === 'invalid'
                  ? 'NotLoadable'
                  : info.retryable === true
                    ? 'ArtifactUnreachable'
                    : 'ArtifactNotFound';
            resolve({
              ok: false,
              reason,
              message: info.error ?? reason,
              retryable: info.retryable === true,
            });
          } else {
            // The child died (a native crash, a timeout): the artifact cannot be loaded safely.
            const how =
              error?.killed === true
                ? `did not finish within ${TIMEOUT_MS / 1000} s`
                : `crashed (${error?.message ?? 'no output'})`;
            resolve({
              ok: false,
              reason: 'NotLoadable',
              message: `loading the model ${how}`,
              retryable: false,
            });
          }
        },
      );
    });
}
