/**
 * `ferry load`'s loop: sends one request every 1/rate seconds (open loop: a slow answer
 * does not slow the sending, up to a bound on requests in flight), cycling through the
 * rows, and reports each second and at the end.
 *
 * Each request goes on a connection of its own, as from many independent clients. A
 * Service balances connections, not requests (kube-proxy, and the local runner playing
 * it), so one kept-alive connection would pin all the traffic to the pod it first reached,
 * and a canary started later would never see any.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  emptyTally,
  inferRequest,
  record,
  shiftedRow,
  tallyLine,
  type Rows,
  type Tally,
} from './traffic.js';

export interface LoadOptions {
  /** The model's address, `http://host:port/v2/models/NAME`. */
  url: string;
  rows: Rows;
  shifts: ReadonlyMap<string, number>;
  ratePerSecond: number;
  /** Stop after this long; undefined for until `stop` resolves. */
  durationMs: number | undefined;
  stop: Promise<unknown>;
  print: (line: string) => void;
}

const MAX_IN_FLIGHT = 256;
const TIMEOUT_MS = 10_000;

interface ModelMetadata {
  inputs?: { name?: string; datatype?: string }[];
}

/** The model's first input, as its metadata endpoint describes it. */
async function modelInput(url: string): Promise<{ name: string; datatype: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok)
    throw new Error(`GET ${url} answered ${String(response.status)}: ${await response.text()}`);
  const input = ((await response.json()) as ModelMetadata).inputs?.[0];
  return { name: input?.name ?? 'input', datatype: input?.datatype ?? 'FP32' };
}

/**
 * POSTs a JSON body on a new connection (closed after the answer); resolves with the
 * status code, or with `error (WHY)` when no answer came: the socket error's code (such as
 * `ECONNREFUSED` or `ECONNRESET`), or `timeout` after {@link TIMEOUT_MS}.
 */
function postOnNewConnection(url: string, body: string): Promise<string> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', connection: 'close' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      },
      (response: IncomingMessage) => {
        response.on('error', (error) => {
          resolve(failure(error));
        });
        response.on('end', () => {
          resolve(String(response.statusCode));
        });
        response.resume();
      },
    );
    outgoing.on('error', (error) => {
      resolve(failure(error));
    });
    outgoing.end(body);
  });
}

function failure(error: Error & { code?: string }): string {
  const why = error.name === 'AbortError' || error.name === 'TimeoutError' ? 'timeout' : error.code;
  return `error (${why ?? error.message})`;
}

/** Runs the load; resolves with the whole run's tally. */
export async function runLoad(options: LoadOptions): Promise<Tally> {
  const input = await modelInput(options.url);
  const infer = `${options.url.replace(/\/+$/, '')}/infer`;
  const total = emptyTally();
  let second = emptyTally();
  let inFlight = 0;
  let next = 0;
  const pending = new Set<Promise<void>>();
  const send = (): void => {
    if (inFlight >= MAX_IN_FLIGHT) {
      record(second, 'skipped', 0);
      record(total, 'skipped', 0);
      return;
    }
    const base = options.rows.rows[next++ % options.rows.rows.length] ?? [];
    const body = inferRequest(input, shiftedRow(base, options.rows.features, options.shifts));
    const started = performance.now();
    inFlight++;
    const request = postOnNewConnection(infer, body)
      .then((status) => {
        const latency = performance.now() - started;
        record(second, status, latency);
        record(total, status, latency);
      })
      .finally(() => {
        inFlight--;
        pending.delete(request);
      });
    pending.add(request);
  };
  const startedAt = performance.now();
  const interval = 1000 / options.ratePerSecond;
  let sent = 0;
  const state = { stopped: false };
  void options.stop.then(() => {
    state.stopped = true;
  });
  let elapsedSeconds = 0;
  const reporter = setInterval(() => {
    elapsedSeconds++;
    options.print(tallyLine(`${String(elapsedSeconds)}s`.padStart(5), second));
    second = emptyTally();
  }, 1000);
  try {
    while (!state.stopped) {
      const now = performance.now() - startedAt;
      if (options.durationMs !== undefined && now >= options.durationMs) break;
      // Catch up on every request due by now, then sleep until the next one.
      while (sent * interval <= now) {
        send();
        sent++;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, sent * interval - now)));
    }
    await Promise.all(pending);
  } finally {
    clearInterval(reporter);
  }
  options.print(tallyLine('total', total));
  return total;
}
