/**
 * Readiness probes of running containers.
 *
 * Local-runner choices: an `httpGet` probe runs every 500 ms whatever its `periodSeconds`
 * says, so pods turn Ready soon after their server listens; it passes on a 2xx answer
 * within `timeoutSeconds` (default 1); one pass makes the container ready and
 * `failureThreshold` (default 3) failures in a row make it unready. `exec`, `tcpSocket`
 * and `grpc` readiness probes are not run: such a container is ready once it runs, as is
 * one without a probe. Liveness and startup probes are not run at all: a process is
 * restarted when it exits, never because a probe failed.
 */
import { numberAt, objectAt, objectsAt, stringAt, type JsonObject } from './json.js';

const PERIOD_MS = 500;

export type ReadinessCheck =
  | { kind: 'none' }
  | { kind: 'http'; url: string; failureThreshold: number; timeoutMs: number }
  | { kind: 'invalid'; message: string };

/** The readiness check of `container` in a pod at `podIP`. */
export function readinessCheck(container: JsonObject, podIP: string): ReadinessCheck {
  const probe = objectAt(container, 'readinessProbe');
  const httpGet = objectAt(probe, 'httpGet');
  if (probe === undefined || httpGet === undefined) return { kind: 'none' };
  const port = httpGet['port'];
  const number =
    typeof port === 'number'
      ? port
      : numberAt(
          objectsAt(container, 'ports').find((candidate) => stringAt(candidate, 'name') === port),
          'containerPort',
        );
  if (number === undefined || !Number.isInteger(number) || number < 1 || number > 65_535) {
    return {
      kind: 'invalid',
      message: `readinessProbe port ${JSON.stringify(port ?? null)} names no container port`,
    };
  }
  const scheme = stringAt(httpGet, 'scheme')?.toLowerCase() === 'https' ? 'https' : 'http';
  const host = stringAt(httpGet, 'host') ?? podIP;
  const path = stringAt(httpGet, 'path') ?? '/';
  return {
    kind: 'http',
    url: `${scheme}://${host}:${number}${path.startsWith('/') ? path : `/${path}`}`,
    failureThreshold: Math.max(1, numberAt(probe, 'failureThreshold') ?? 3),
    timeoutMs: Math.max(1, numberAt(probe, 'timeoutSeconds') ?? 1) * 1000,
  };
}

/** Probes one URL until stopped; `onChange` hears every flip of `ready`. Starts unready. */
export class ReadinessProber {
  ready = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly check: { url: string; failureThreshold: number; timeoutMs: number },
    private readonly onChange: () => void,
  ) {}

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.abort.abort();
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private schedule(delay: number): void {
    if (this.abort.signal.aborted) return;
    this.timer = setTimeout(() => {
      void this.probe().then(() => {
        this.schedule(PERIOD_MS);
      });
    }, delay);
  }

  private async probe(): Promise<void> {
    let passed = false;
    try {
      const response = await fetch(this.check.url, {
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.check.timeoutMs)]),
      });
      await response.body?.cancel();
      passed = response.status >= 200 && response.status < 300;
    } catch {
      passed = false;
    }
    if (this.abort.signal.aborted) return;
    this.failures = passed ? 0 : this.failures + 1;
    const ready = passed || (this.ready && this.failures < this.check.failureThreshold);
    if (ready !== this.ready) {
      this.ready = ready;
      this.onChange();
    }
  }
}
