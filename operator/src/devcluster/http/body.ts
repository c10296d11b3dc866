/**
 * Request bodies: size-limited, parsed by Content-Type (JSON; YAML for apply and yaml;
 * Kubernetes protobuf, which kubectl's typed creates send).
 */
import type { IncomingMessage } from 'node:http';
import { parse } from 'yaml';
import { badRequest, ApiError, summarizeBody, UndecodableBody } from '../core/errors.js';
import { withDuplicates } from '../core/duplicates.js';
import type { Json } from '../core/json.js';
import { decodeProtobuf, PROTOBUF } from '../protobuf/decode.js';

const LIMIT = 3 * 1024 * 1024;

export function mediaType(request: IncomingMessage): string {
  return (
    (request.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase() ??
    ''
  );
}

/** The parsed body, or undefined when there is none. */
export async function readBody(request: IncomingMessage): Promise<Json | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > LIMIT) throw new ApiError(413, 'RequestEntityTooLarge', 'the request is too large');
    chunks.push(buffer);
  }
  const raw = Buffer.concat(chunks);
  const type = mediaType(request);
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
  try {
    if (type.includes('yaml')) return parse(text) as Json;
    return withDuplicates(JSON.parse(text) as Json, text);
  } catch (error) {
    throw new UndecodableBody((error as Error).message, summarizeBody(raw));
  }
}
