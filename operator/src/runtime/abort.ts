/** Waiting on an `AbortSignal`: the pieces shutdown and cancellation are built from. */

/** Resolves once `signal` aborts (at once if it already has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener(
      'abort',
      () => {
        resolve();
      },
      { once: true },
    );
  });
}

/** Whether `work` settled before `signal` aborted; false at once if it already had. */
export async function settledBefore(
  work: Promise<unknown>,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  if (signal === undefined) {
    await work;
    return true;
  }
  if (signal.aborted) return false;
  let onAbort = (): void => undefined;
  const aborted = new Promise<false>((resolve) => {
    onAbort = () => {
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work.then(() => true as const), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
