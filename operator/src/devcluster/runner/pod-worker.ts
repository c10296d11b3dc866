/**
 * One Pod on this machine: its containers as local processes at the pod's IP.
 *
 * Contract: the pod's spec is read once, when the worker is made (a real pod's containers
 * cannot change either). Each container either runs (see ContainerProcess) or waits with
 * the reason it cannot (see `launchOf`); without an IP nothing runs. `status` gives the pod
 * status kubelet would write; `stop` ends every process and closes the pod's log file
 * (`<logDir>/<namespace>_<pod>.log`, both streams of every container, appended).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { ContainerProcess } from './container-process.js';
import { objectsAt, stringAt, type JsonObject, type ObjectIdentity } from './json.js';
import { launchOf } from './launch.js';
import { podStatus } from './pod-status.js';
import { readinessCheck } from './probe.js';

export interface PodWorkerOptions {
  ferryCommand: readonly string[];
  claims: Readonly<Record<string, string>>;
  logDir: string | undefined;
  log: (line: string) => void;
  /** Called whenever `status` may have changed. */
  onChange: () => void;
}

type Container =
  { kind: 'process'; process: ContainerProcess } | { kind: 'waiting'; status: JsonObject };

export class PodWorker {
  private readonly containers: Container[];
  private readonly output: WriteStream | undefined;

  constructor(
    readonly pod: ObjectIdentity,
    spec: JsonObject,
    /** undefined when no address was free: `noAddress` says why. */
    readonly ip: string | undefined,
    noAddress: string,
    options: PodWorkerOptions,
  ) {
    const where = `pod ${pod.namespace}/${pod.name}`;
    if (options.logDir !== undefined && ip !== undefined) {
      const output = createWriteStream(join(options.logDir, `${pod.namespace}_${pod.name}.log`), {
        flags: 'a',
      });
      output.on('error', (error) => {
        options.log(`${where}: log file: ${error.message}`);
      });
      this.output = output;
    }
    const volumes = objectsAt(spec, 'volumes');
    this.containers = objectsAt(spec, 'containers').map((container): Container => {
      const name = stringAt(container, 'name') ?? '';
      const image = stringAt(container, 'image') ?? '';
      const launch =
        ip === undefined
          ? { kind: 'waiting' as const, reason: 'ContainerCreating', message: noAddress }
          : launchOf(container, volumes, { ...options, podIP: ip });
      if (launch.kind === 'waiting') {
        options.log(`${where} container ${name}: ${launch.reason}: ${launch.message}`);
        return {
          kind: 'waiting',
          status: waitingStatus(name, image, launch.reason, launch.message),
        };
      }
      return {
        kind: 'process',
        process: new ContainerProcess({
          pod,
          name,
          image,
          argv: launch.argv,
          env: launch.env,
          readiness: readinessCheck(container, ip ?? ''),
          output: this.output,
          log: options.log,
          onChange: options.onChange,
        }),
      };
    });
  }

  start(): void {
    for (const container of this.containers)
      if (container.kind === 'process') container.process.start();
  }

  get ready(): boolean {
    return this.containers.every(
      (container) => container.kind === 'process' && container.process.ready,
    );
  }

  get restarts(): number {
    let restarts = 0;
    for (const container of this.containers)
      if (container.kind === 'process') restarts += container.process.restarts;
    return restarts;
  }

  /** The pod status to hold, given the one the API server has now. */
  status(previous: JsonObject | undefined, now: string): JsonObject {
    return podStatus({
      previous,
      containerStatuses: this.containers.map((container) =>
        container.kind === 'process' ? container.process.status() : container.status,
      ),
      running: this.containers.every((container) => container.kind === 'process'),
      podIP: this.ip,
      now,
    });
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.containers.map((container) =>
        container.kind === 'process' ? container.process.stop() : Promise.resolve(),
      ),
    );
    this.output?.end();
  }
}

function waitingStatus(name: string, image: string, reason: string, message: string): JsonObject {
  return {
    name,
    image,
    imageID: '',
    ready: false,
    started: false,
    restartCount: 0,
    state: { waiting: { reason, message } },
    lastState: {},
  };
}
