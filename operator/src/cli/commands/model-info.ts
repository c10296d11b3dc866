import { parseArgs } from 'node:util';
import { parseClaims } from '../claims.js';
import { ExitCode, UsageError, type CommandIO } from '../io.js';

export const modelInfoUsage = `Usage: ferry model-info --model URI [--sha256 HEX] [--claim NAME=DIR]...

Verifies a model artifact's sha256, loads it with onnxruntime, and prints its
signature as JSON: {"inputs": [...], "outputs": [...]}, each tensor with its
Open Inference Protocol name, datatype and shape (-1 for dynamic dimensions).

On failure prints {"error": ..., "reason": "unreadable" | "digest" | "invalid",
"retryable": ...} and exits 1. The operator runs this in a child process, so a
model that crashes onnxruntime cannot take the operator down with it.`;

export async function modelInfoCommand(argv: string[], io: CommandIO): Promise<ExitCode> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      sha256: { type: 'string' },
      claim: { type: 'string', multiple: true, default: [] },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.model === undefined) throw new UsageError('--model is required');
  const claims = parseClaims(values.claim);
  // onnxruntime loads only once the flags are known to be good.
  const { loadModel, ModelLoadError } = await import('../../serving/model.js');
  try {
    const model = await loadModel(values.model, {
      cwd: io.cwd,
      claims,
      ...(values.sha256 === undefined ? {} : { sha256: values.sha256 }),
    });
    const { inputs, outputs } = model.signature;
    await model.session.release();
    io.stdout(`${JSON.stringify({ inputs, outputs, sha256: model.sha256 })}\n`);
    return ExitCode.ok;
  } catch (error) {
    if (!(error instanceof ModelLoadError)) throw error;
    io.stdout(
      `${JSON.stringify({ error: error.message, reason: error.reason, retryable: error.retryable })}\n`,
    );
    return ExitCode.failed;
  }
}
