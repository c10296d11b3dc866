/**
 * Loading a model for serving: fetch the artifact (file://, a plain path, http(s)://, or
 * pvc:// through a claim table), verify its sha256 before onnxruntime sees a byte, then
 * create the session and read its signature.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InferenceSession } from 'onnxruntime-node';
import { openSource, SourceError, type ClaimMounts } from '../data/source.js';
import { classNamesOf, onnxMetadata } from './onnx-metadata.js';
import { signatureOf, SignatureError, type ModelSignature } from './signature.js';

/** Why a model could not be loaded: `unreadable` (fetching failed), `digest`, `invalid`. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  constructor(
    readonly reason: 'unreadable' | 'digest' | 'invalid',
    message: string,
    /** Whether reading again later may succeed (a network error), as opposed to a missing file. */
    readonly retryable = false,
  ) {
    super(message);
  }
}

export interface LoadedModel {
  readonly session: InferenceSession;
  readonly signature: ModelSignature;
  /** Hex sha256 of the artifact's bytes. */
  readonly sha256: string;
  readonly bytes: number;
  /** Wall-clock seconds from the first byte requested to a ready session. */
  readonly loadSeconds: number;
  /** The class names the model's metadata records (`classes`, a JSON array), if any. */
  readonly classNames?: readonly string[];
}

export interface LoadOptions {
  /** Expected hex sha256; any case. */
  sha256?: string;
  /** Directory a plain relative path resolves against. */
  cwd?: string;
  claims?: ClaimMounts;
}

/** A `--model` argument as a source URI: URIs pass through, paths become file:// URLs. */
export function modelUri(model: string, cwd: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(model)) return model;
  return pathToFileURL(isAbsolute(model) ? model : resolve(cwd, model)).href;
}

/**
 * Loads the model at `model` (URI or path). Throws {@link ModelLoadError}: `unreadable` when
 * the bytes cannot be fetched, `digest` when they do not hash to `options.sha256`, `invalid`
 * when onnxruntime cannot load them or the model has no servable signature.
 */
export async function loadModel(model: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const started = performance.now();
  const uri = modelUri(model, options.cwd ?? process.cwd());
  const bytes = await readAll(uri, options.claims);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const expected = options.sha256?.toLowerCase();
  if (expected !== undefined && expected !== sha256) {
    throw new ModelLoadError(
      'digest',
      `sha256 mismatch for ${model}: expected ${expected}, got ${sha256}; refusing to load it`,
    );
  }
  let session: InferenceSession;
  try {
    // Errors only: onnxruntime's warnings (old opsets, optimizer notes) are not the
    // operator's to act on, and a load failure is reported below in one line.
    session = await InferenceSession.create(bytes, { logSeverityLevel: 3 });
  } catch (error) {
    throw new ModelLoadError(
      'invalid',
      `cannot load ${model} as an ONNX model: ${firstLine((error as Error).message)}`,
    );
  }
  try {
    const signature = signatureOf(session.inputMetadata, session.outputMetadata);
    const classNames = recordedClassNames(bytes);
    return {
      session,
      signature,
      sha256,
      bytes: bytes.byteLength,
      loadSeconds: (performance.now() - started) / 1000,
      ...(classNames === undefined ? {} : { classNames }),
    };
  } catch (error) {
    await session.release();
    if (error instanceof SignatureError) {
      throw new ModelLoadError('invalid', `cannot serve ${model}: ${error.message}`);
    }
    throw error;
  }
}

/** Class names from the metadata of bytes onnxruntime already loaded; none if unreadable. */
function recordedClassNames(bytes: Uint8Array): string[] | undefined {
  try {
    return classNamesOf(onnxMetadata(bytes));
  } catch {
    return undefined;
  }
}

async function readAll(uri: string, claims: ClaimMounts | undefined): Promise<Uint8Array> {
  try {
    const source = await openSource(uri, claims === undefined ? {} : { claims });
    const chunks: Buffer[] = [];
    for await (const chunk of source.stream) chunks.push(chunk);
    const joined = Buffer.concat(chunks);
    return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
  } catch (error) {
    if (error instanceof SourceError) {
      throw new ModelLoadError('unreadable', error.message, error.retryable);
    }
    throw new ModelLoadError('unreadable', `cannot read ${uri}: ${(error as Error).message}`, true);
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? text;
}
