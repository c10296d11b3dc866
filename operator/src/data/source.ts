/**
 * Opens a data source URI as a byte stream: `file:///abs/path`, `http(s)://…`, or
 * `pvc://claim/path`, which resolves through a claim→directory table (in a cluster, where
 * each claim is mounted; under `ferry up`, local directories).
 */

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Claim name → local directory where that PersistentVolumeClaim is mounted. */
export type ClaimMounts = ReadonlyMap<string, string>;

/** The source cannot be read; `reason` is a CamelCase condition reason. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    readonly reason: 'SourceNotFound' | 'SourceUnreachable' | 'UnsupportedSource',
    message: string,
    /** Whether trying again later may succeed (network), or the user must act. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface OpenedSource {
  stream: AsyncIterable<Buffer>;
  /** Bytes expected, when the source says so up front. */
  size?: number;
}

export interface OpenOptions {
  claims?: ClaimMounts;
  signal?: AbortSignal;
}

export async function openSource(uri: string, options: OpenOptions = {}): Promise<OpenedSource> {
  const scheme = uri.slice(0, uri.indexOf(':')).toLowerCase();
  switch (scheme) {
    case 'file':
      return openFile(fileURLToPath(uri), uri);
    case 'pvc':
      return openFile(claimPath(uri, options.claims ?? new Map()), uri);
    case 'http':
    case 'https':
      return openHttp(uri, options.signal);
    default:
      throw new SourceError(
        'UnsupportedSource',
        `unsupported source "${uri}": use file://, http(s):// or pvc://`,
        false,
      );
  }
}

/** `pvc://claim/dir/file.csv` → claim `claim`, path `dir/file.csv` (as written, not decoded). */
export function splitPvcUri(uri: string): { claim: string; path: string } {
  const rest = uri.slice('pvc://'.length);
  const slash = rest.indexOf('/');
  return slash === -1
    ? { claim: rest, path: '' }
    : { claim: rest.slice(0, slash), path: rest.slice(slash + 1) };
}

/** `pvc://claim/dir/file.csv` → `<mount of claim>/dir/file.csv`, refusing to leave the mount. */
export function claimPath(uri: string, claims: ClaimMounts): string {
  const { claim, path } = splitPvcUri(uri);
  const inside = decodeURIComponent(path);
  const mount = claims.get(claim);
  if (mount === undefined) {
    const known = [...claims.keys()].join(', ') || 'none';
    throw new SourceError(
      'SourceNotFound',
      `claim "${claim}" of ${uri} is not mounted (mounted claims: ${known})`,
      false,
    );
  }
  const resolved = normalize(join(mount, inside));
  if (
    isAbsolute(inside) ||
    (resolved !== normalize(mount) && !resolved.startsWith(normalize(mount) + sep))
  ) {
    throw new SourceError('UnsupportedSource', `${uri} points outside its claim`, false);
  }
  return resolved;
}

async function openFile(path: string, uri: string): Promise<OpenedSource> {
  try {
    const info = await stat(path);
    if (!info.isFile())
      throw new SourceError('SourceNotFound', `${uri} is not a regular file`, false);
    return { stream: createReadStream(path) as AsyncIterable<Buffer>, size: info.size };
  } catch (error) {
    if (error instanceof SourceError) throw error;
    throw new SourceError(
      'SourceNotFound',
      `cannot read ${uri}: ${(error as Error).message}`,
      false,
    );
  }
}

async function openHttp(uri: string, signal: AbortSignal | undefined): Promise<OpenedSource> {
  let response: Response;
  try {
    response = await fetch(uri, signal === undefined ? {} : { signal });
  } catch (error) {
    throw new SourceError(
      'SourceUnreachable',
      `cannot fetch ${uri}: ${(error as Error).message}`,
      true,
    );
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    const retryable = response.status >= 500 || response.status === 429;
    throw new SourceError(
      response.status === 404 ? 'SourceNotFound' : 'SourceUnreachable',
      `cannot fetch ${uri}: HTTP ${response.status} ${response.statusText}`,
      retryable,
    );
  }
  const length = Number(response.headers.get('content-length'));
  const stream = bytesOf(response.body);
  return Number.isFinite(length) && length > 0 ? { stream, size: length } : { stream };
}

async function* bytesOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Buffer> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  } finally {
    reader.releaseLock();
  }
}
