/** Reading a request body with a size limit. */
import type { IncomingMessage } from 'node:http';

/** The body is over the limit; the shell answers 413 and closes the connection. */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
}

/** The client went away before its body arrived; nobody is left to answer. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/**
 * The body of `request` as UTF-8 text. Rejects with {@link PayloadTooLargeError} as soon as
 * the declared Content-Length, or the bytes read so far, exceed `limit`, and with whatever
 * `inspect` throws as soon as it throws on a chunk; the rest of the body is then left unread
 * for the caller to discard.
 */
export function readBody(
  request: IncomingMessage,
  limit: number,
  inspect: (chunk: Buffer) => void = () => undefined,
): Promise<string> {
  const declared = Number(request.headers['content-length']);
  const tooLarge = (): PayloadTooLargeError =>
    new PayloadTooLargeError(`request body is larger than the ${limit}-byte limit`);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const cleanup = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      length += chunk.length;
      if (length > limit) {
        cleanup();
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      try {
        inspect(chunk);
      } catch (error) {
        cleanup();
        chunks.length = 0;
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      const [only] = chunks;
      resolve(
        chunks.length === 1 && only !== undefined
          ? only.toString('utf8')
          : Buffer.concat(chunks).toString('utf8'),
      );
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new ClientGoneError(error.message));
    };
    const onClose = (): void => {
      if (request.complete) return;
      cleanup();
      reject(new ClientGoneError('the client closed the connection mid-body'));
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

/**
 * Throws away whatever is left of `request`'s body so the client can finish sending and read
 * the response; past `budget` more bytes the connection is cut instead.
 */
export function discardBody(request: IncomingMessage, budget: number): void {
  let discarded = 0;
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > budget) request.socket.destroy();
  });
  request.resume();
}
