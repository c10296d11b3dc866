/** Reading a request body with a size limit. */
import type { IncomingMessage } from 'node:http';

/** The body is over the limit; the shell answers 413. */
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
 * After {@link readBody} refused `request`'s body, reads and drops the rest of it if that is
 * small: all of a body whose Content-Length is at most `budget`, or up to `budget` more bytes
 * of one sent without a length. Resolves `true` once the body has ended (the connection can
 * carry the next request) or the client has gone; `false` once more than that is left, with
 * reading stopped, so no more of the body is ever buffered: the caller must then close the
 * connection.
 */
export function discardBody(request: IncomingMessage, budget: number): Promise<boolean> {
  if (request.readableEnded || request.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    let discarded = 0;
    const settle = (ended: boolean): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onEnd);
      request.off('close', onEnd);
      if (!ended) {
        request.pause();
        request.socket.pause();
      }
      resolve(ended);
    };
    const onData = (chunk: Buffer): void => {
      discarded += chunk.length;
      if (discarded > budget) settle(false);
    };
    const onEnd = (): void => {
      settle(true);
    };
    if (Number(request.headers['content-length']) > budget) {
      settle(false);
      return;
    }
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onEnd);
    request.on('close', onEnd);
    request.resume();
  });
}
