/**
 * Request bodies: size-limited, parsed by Content-Type (JSON; YAML for apply and yaml;
 * Kubernetes protobuf, which kubectl's typed creates send).
 */
import type { IncomingMessage } from 'node:http';
import { parse } from 'yaml';
import { badRequest, ApiError, summarizeBody, UndecodableBody } from '../core/errors.js';
import { withDuplicates } from '../core/duplicates.js';
import { nestingDepth, type Json } from '../core/json.js';
import { decodeProtobuf, PROTOBUF } from '../protobuf/decode.js';
import { yamlDepthBound } from './yaml-depth.js';

/** kube-apiserver's limit on a request body; a larger one gets 413. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/**
 * Deepest nesting of arrays and objects a decoded body may have; a deeper one gets 400
 * before any handler walks it. Far above what any Kubernetes object needs, and low enough
 * that every recursive step after decoding stays within the call stack.
 */
export const MAX_BODY_DEPTH = 500;
/** Bytes of an oversized body read and dropped so the client sees the 413; past them the connection is cut. */
const DISCARD_BUDGET = 4 * MAX_BODY_BYTES;

export function mediaType(request: IncomingMessage): string {
  return (
    (request.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase() ??
    ''
  );
}

/**
 * The parsed body, or undefined when there is none. Over {@link MAX_BODY_BYTES} it is 413
 * RequestEntityTooLarge (the rest of the body is drained, so the client reads the answer);
 * nested deeper than {@link MAX_BODY_DEPTH} it is 400 BadRequest.
 */
export async function readBody(request: IncomingMessage): Promise<Json | undefined> {
  const value = decode(await readBytes(request), mediaType(request));
  if (value !== undefined && nestingDepth(value, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) throw tooDeep();
  return value;
}

function tooDeep(): ApiError {
  return badRequest(
    `the body of the request could not be decoded: it nests arrays and objects deeper than the limit of ${MAX_BODY_DEPTH} levels`,
  );
}

function tooLarge(): ApiError {
  return new ApiError(
    413,
    'RequestEntityTooLarge',
    `Request entity too large: limit is ${MAX_BODY_BYTES}`,
  );
}

function readBytes(request: IncomingMessage): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    drain(request);
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      stop();
      chunks.length = 0;
      drain(request);
      reject(tooLarge());
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onClose = (): void => {
      if (request.complete) return;
      stop();
      reject(new Error('the client closed the connection before its body arrived'));
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('close', onClose);
  });
}

/** Reads and drops the rest of `request`'s body, cutting the connection past the budget. */
function drain(request: IncomingMessage): void {
  let dropped = 0;
  request.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_BUDGET) request.socket.destroy();
  });
}

function decode(raw: Buffer, type: string): Json | undefined {
  if (type === PROTOBUF) {
    if (raw.length === 0) return undefined;
    try {
      return decodeProtobuf(raw);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw badRequest(
        `the protobuf body of the request could not be decoded: ${(error as Error).message}`,
      );
    }
  }
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  const yaml = type.includes('yaml');
  // The YAML composer recurses once per level: bound the depth before it runs.
  if (yaml && yamlDepthBound(text, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) throw tooDeep();
  try {
    if (yaml) return parse(text) as Json;
    return withDuplicates(JSON.parse(text) as Json, text);
  } catch (error) {
    throw new UndecodableBody((error as Error).message, summarizeBody(raw));
  }
}
