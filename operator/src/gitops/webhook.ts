/**
 * The receiver of GitHub webhooks, `POST /hooks/github`.
 *
 * Contract:
 * - the body must be JSON (`application/json`) of at most `maxBodyBytes` (GitHub's own cap
 *   on payloads is 25 MiB): otherwise 415 or 413;
 * - `X-Hub-Signature-256` is verified against the secret in constant time
 *   (`@octokit/webhooks-methods`); a missing or wrong signature is answered 401 and nothing
 *   else happens;
 * - a delivery whose `X-GitHub-Delivery` was seen among the last `rememberDeliveries`
 *   verified ones is answered 200 and not handed on again;
 * - a verified, new delivery is handed to `onDelivery` and answered 202 with its answer;
 * - nothing is ever answered 500: an unexpected failure is a 400 naming no secret.
 */

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { verify } from '@octokit/webhooks-methods';
import { errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

export const WEBHOOK_PATH = '/hooks/github';

export interface WebhookDelivery {
  /** `X-GitHub-Delivery`, or `''` when the request carries none. */
  id: string;
  /** `X-GitHub-Event`, such as `push`. */
  event: string;
  payload: unknown;
}

export interface WebhookOptions {
  secret: string;
  /** Acts on a verified delivery; returns a short answer for the sender. */
  onDelivery: (delivery: WebhookDelivery) => string;
  log: Logger;
  maxBodyBytes?: number;
  rememberDeliveries?: number;
}

const GITHUB_MAX_PAYLOAD_BYTES = 25 * 1024 * 1024;

class BodyTooLarge extends Error {}

/** How long the rest of an oversized body is read (and discarded) before the connection is cut. */
const DISCARD_MS = 10_000;

/**
 * Answers 413 at once. The rest of the body is read and discarded, for at most
 * `DISCARD_MS` before the connection is cut: a client still sending when its connection
 * is closed or reset would never see the answer.
 */
function tooLarge(request: IncomingMessage, response: ServerResponse, limit: number): void {
  answer(response, 413, `the body exceeds ${limit} bytes`);
  request.removeAllListeners('data');
  request.resume();
  setTimeout(() => request.destroy(), DISCARD_MS).unref();
}

function answer(response: ServerResponse, status: number, message: string): void {
  if (response.headersSent) return;
  response
    .writeHead(status, { 'content-type': 'application/json' })
    .end(`${JSON.stringify({ message })}\n`);
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function githubWebhookHandler(options: WebhookOptions): RequestListener {
  const limit = options.maxBodyBytes ?? GITHUB_MAX_PAYLOAD_BYTES;
  const remember = options.rememberDeliveries ?? 1000;
  const seen = new Set<string>();

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      answer(response, 405, 'only POST');
      return;
    }
    const type = (header(request, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      answer(response, 415, 'the body must be application/json');
      return;
    }
    const declared = Number(header(request, 'content-length') ?? 0);
    if (declared > limit) {
      tooLarge(request, response, limit);
      return;
    }
    const body = (await readBody(request, limit)).toString('utf8');
    const signature = header(request, 'x-hub-signature-256');
    const valid =
      signature !== undefined &&
      body !== '' &&
      (await verify(options.secret, body, signature).catch(() => false));
    if (!valid) {
      options.log.warn(
        { signed: signature !== undefined },
        'webhook rejected: missing or wrong X-Hub-Signature-256',
      );
      answer(response, 401, 'missing or wrong X-Hub-Signature-256');
      return;
    }
    const id = header(request, 'x-github-delivery') ?? '';
    if (id !== '' && seen.has(id)) {
      answer(response, 200, 'delivery already received');
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      answer(response, 400, 'the body is not JSON');
      return;
    }
    if (id !== '') {
      seen.add(id);
      if (seen.size > remember) seen.delete(seen.values().next().value as string);
    }
    const event = header(request, 'x-github-event') ?? '';
    const message = options.onDelivery({ id, event, payload });
    options.log.info({ delivery: id, event }, `webhook: ${message}`);
    answer(response, 202, message);
  };

  return (request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof BodyTooLarge) {
        tooLarge(request, response, limit);
        return;
      }
      options.log.warn({ error: errorMessage(error) }, 'webhook request failed');
      answer(response, 400, 'the request could not be read');
    });
  };
}
