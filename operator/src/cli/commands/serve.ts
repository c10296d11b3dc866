import { parseArgs } from 'node:util';
import { ExitCode, UsageError, type CommandIO } from '../io.js';
import { untilShutdownSignal } from '../signals.js';

export const serveUsage = `Usage: ferry serve --model URI [--sha256 HEX] [--name NAME] [--version V]
                   [--host H] [--port N] [--max-batch-size N]
                   [--max-batch-delay-ms N] [--max-queue N] [--class-names A,B,...]

Serves one ONNX model over the Open Inference Protocol v2 (REST), as KServe and
Triton do, with Prometheus metrics at /metrics and live traffic samples at
/v2/models/NAME/samples.

  --model URI             file://, http(s):// or a plain path
  --sha256 HEX            refuse to load unless the artifact has this digest
  --name NAME             model name in URLs (default: model)
  --version V             model version (default: 1)
  --host H                address to listen on (default: 127.0.0.1)
  --port N                port, 0 for any free one (default: 8080)
  --max-batch-size N      rows per model run when stacking requests; 1 turns
                          dynamic batching off (default: 32)
  --max-batch-delay-ms N  longest a request waits for others to join its batch
                          (default: 0, no added delay)
  --max-queue N           requests waiting for the model before more get 429
                          (default: 256)
  --class-names A,B,...   the classes of a classifier's score outputs, by index: a
                          request output with "parameters": {"classification": K}
                          answers the K best as "score:index:name" (Triton's and
                          KServe's classification extension)

SIGINT or SIGTERM stops taking connections, finishes the requests in flight, and
exits. Exit status: 0 after a clean stop, 1 when the model fails its digest check
or cannot be loaded, 2 on bad flags or an unreadable model.`;

/** How long SIGTERM waits for in-flight requests before closing anyway (under k8s's 30 s). */
const DRAIN_TIMEOUT_MS = 25_000;

export async function serveCommand(
  argv: string[],
  io: CommandIO,
  stopWhen: () => Promise<string> = untilShutdownSignal,
): Promise<ExitCode> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      sha256: { type: 'string' },
      name: { type: 'string', default: 'model' },
      version: { type: 'string', default: '1' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      'max-batch-size': { type: 'string', default: '32' },
      'max-batch-delay-ms': { type: 'string', default: '0' },
      'max-queue': { type: 'string', default: '256' },
      'class-names': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.model === undefined) throw new UsageError('--model is required');
  if (values.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(values.sha256)) {
    throw new UsageError(`--sha256 must be 64 hex digits, not "${values.sha256}"`);
  }
  const name = checkName('--name', values.name);
  const version = checkName('--version', values.version);
  const port = integer('--port', values.port, 0, 65_535);
  const maxBatchSize = integer('--max-batch-size', values['max-batch-size'], 1, 1_000_000);
  const maxBatchDelayMs = integer('--max-batch-delay-ms', values['max-batch-delay-ms'], 0, 60_000);
  const maxQueue = integer('--max-queue', values['max-queue'], 1, 1_000_000);
  const classNames = values['class-names']?.split(',').map((entry) => entry.trim());
  if (classNames?.some((entry) => entry === '') === true)
    throw new UsageError(`--class-names "${values['class-names'] ?? ''}" has an empty name`);

  // Loaded only once the flags check out, so `--help` and flag mistakes skip onnxruntime.
  const { loadModel, ModelLoadError } = await import('../../serving/model.js');
  const { ModelServer } = await import('../../serving/http/server.js');
  let model;
  try {
    model = await loadModel(
      values.model,
      values.sha256 === undefined ? { cwd: io.cwd } : { cwd: io.cwd, sha256: values.sha256 },
    );
  } catch (error) {
    if (!(error instanceof ModelLoadError)) throw error;
    io.stderr(`ferry serve: ${error.message}\n`);
    return error.reason === 'unreadable' ? ExitCode.usage : ExitCode.failed;
  }
  // Defined only under --expose-gc, as serving pods start Node (serving/node-options.ts).
  const gc = globalThis.gc;
  const server = new ModelServer(model, {
    name,
    version,
    maxBatchSize,
    maxBatchDelayMs,
    maxQueue,
    ...(classNames === undefined ? {} : { classNames }),
    processMetrics: true,
    ...(gc === undefined
      ? {}
      : {
          collectGarbage: () => {
            gc();
          },
        }),
  });
  const stop = stopWhen();
  let url: string;
  try {
    url = await server.listen(port, values.host);
  } catch (error) {
    await model.session.release();
    io.stderr(
      `ferry serve: cannot listen on ${values.host}:${port}: ${(error as Error).message}\n`,
    );
    return ExitCode.usage;
  }
  io.stdout(`serving ${name}:${version} on ${url} (sha256 ${model.sha256})\n`);
  const signal = await stop;
  io.stderr(`ferry serve: ${signal}: draining ${server.active} in-flight request(s)\n`);
  const timedOut = await Promise.race([
    server.drain().then(() => false),
    new Promise<boolean>((done) =>
      setTimeout(() => {
        done(true);
      }, DRAIN_TIMEOUT_MS).unref(),
    ),
  ]);
  if (timedOut) server.abort();
  await model.session.release();
  io.stderr(
    timedOut
      ? `ferry serve: gave up draining after ${DRAIN_TIMEOUT_MS / 1000} s; stopped\n`
      : 'ferry serve: drained; stopped\n',
  );
  return ExitCode.ok;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

function checkName(flag: string, value: string): string {
  if (!NAME.test(value)) {
    throw new UsageError(`${flag} must be letters, digits, ".", "_" or "-", not "${value}"`);
  }
  return value;
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, not "${text}"`);
  }
  return value;
}
