import type { ServerResponse } from 'node:http';
import { ApiError } from '../core/errors.js';
import type { JsonObject } from '../core/json.js';

export function sendJson(
  response: ServerResponse,
  code: number,
  body: JsonObject | string,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  response.end(text);
}

/** Sends an error as a Status body; unexpected errors become 500 InternalError. */
export function sendError(response: ServerResponse, error: unknown): void {
  const apiError =
    error instanceof ApiError
      ? error
      : new ApiError(
          500,
          'InternalError',
          `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`,
        );
  if (response.headersSent) {
    response.end();
    return;
  }
  sendJson(response, apiError.code, apiError.toStatus());
}

/** `Warning` header values (RFC 7234 form, as the apiserver sends them). */
export function warningHeaders(warnings: readonly string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((text) => `299 - ${JSON.stringify(text)}`).join(', ') };
}
