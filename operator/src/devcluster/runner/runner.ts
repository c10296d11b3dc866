/**
 * The local runner: plays kubelet and the Deployment controller for a devcluster, so
 * Deployments of Ferry's image come up as local `ferry` processes, each pod on its own
 * loopback address (DESIGN.md §6). It is a separate world: it reaches the API server over
 * HTTP only, exactly as a kubelet would, and shows its work only through the API (Pod and
 * Deployment status) and the processes' ports.
 *
 * It handles Deployments and their pods only: Jobs' pods are not run and Services are not
 * proxied. Its processes are its children, run as the same user with no isolation: a host
 * process that exits without `stop` leaves them running.
 */
import { mkdir } from 'node:fs/promises';
import { AddressPool } from './addresses.js';
import { ApiClient, DEPLOYMENTS, PODS } from './api.js';
import { DeploymentController } from './deployments.js';
import { Kubelet, type LocalPod } from './kubelet.js';
import { Reflector } from './reflector.js';

export type { LocalPod } from './kubelet.js';

export interface LocalRunnerOptions {
  /** The API server's base URL, e.g. `http://127.0.0.1:6443` (plain HTTP, no auth). */
  server: string;
  /** The argv prefix that runs the `ferry` CLI here, e.g. `[process.execPath, 'dist/cli/main.js']`. */
  ferryCommand: readonly string[];
  /** PersistentVolumeClaim name → the local directory that plays it. */
  claims?: Readonly<Record<string, string>>;
  /** Pod IPs are this plus 2..254; default `127.0.1.`. */
  addressPrefix?: string;
  /** One line per event worth knowing (pod started, ready, exited, restarted, …). */
  log?: (line: string) => void;
  /** When set, each pod's stdout and stderr are appended to `<logDir>/<namespace>_<pod>.log`. */
  logDir?: string;
}

export interface LocalRunner {
  /**
   * Stops watching, SIGTERMs every process (SIGKILL after 5 s) and resolves once all have
   * exited. API objects are left as they are.
   */
  stop(): Promise<void>;
  /** The pods running here now, for tests and diagnostics. */
  pods(): LocalPod[];
}

/**
 * Starts the runner; resolves once it has listed Deployments and Pods, and rejects if it
 * cannot (the server is not there) or the options are unusable. From then on it follows
 * the API server, retrying through its outages, until `stop`.
 */
export async function startLocalRunner(options: LocalRunnerOptions): Promise<LocalRunner> {
  if (options.ferryCommand.length === 0 || options.ferryCommand[0] === '') {
    throw new RangeError('ferryCommand must name the program that runs ferry');
  }
  const log = options.log ?? ((): void => undefined);
  const pool = new AddressPool(options.addressPrefix ?? '127.0.1.');
  if (options.logDir !== undefined) await mkdir(options.logDir, { recursive: true });
  const api = new ApiClient(options.server);
  // The callbacks run only once the reflectors list, after everything here is built.
  const pods = new Reflector(
    api,
    PODS,
    () => {
      kubelet.sync.trigger();
      controller.sync.trigger();
    },
    log,
  );
  const deployments = new Reflector(
    api,
    DEPLOYMENTS,
    () => {
      controller.sync.trigger();
    },
    log,
  );
  const kubelet = new Kubelet(api, pods, pool, {
    ferryCommand: options.ferryCommand,
    claims: options.claims ?? {},
    logDir: options.logDir,
    log,
  });
  const controller = new DeploymentController(api, deployments, pods, log);
  const stop = async (): Promise<void> => {
    await Promise.all([pods.stop(), deployments.stop(), controller.sync.stop()]);
    await kubelet.stop();
  };
  const started = await Promise.allSettled([pods.start(), deployments.start()]);
  const failure = started.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await stop();
    throw failure.reason;
  }
  return { stop, pods: () => kubelet.list() };
}
