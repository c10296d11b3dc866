/**
 * The local runner: plays kubelet, kube-scheduler, kube-proxy and the Deployment,
 * ReplicaSet and Job controllers for a devcluster, so workloads come up as local processes, each pod on its
 * own loopback address. It is a separate world: it reaches the API server over HTTP only,
 * exactly as those components would, and shows its work only through the API (Node, Pod,
 * Deployment, ReplicaSet, Job and Service status), the processes' ports, the Services' loopback
 * addresses and the logs `kubectl logs` reads.
 *
 * Its processes are its children, run as the same user with no isolation; each runs in
 * its own process group, which is killed when the runner's process ends in any way (see
 * ContainerProcess).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AddressPool } from './addresses.js';
import {
  ApiClient,
  DEPLOYMENTS,
  describeError,
  JOBS,
  PODS,
  REPLICA_SETS,
  SERVICES,
} from './api.js';
import { DeploymentController } from './deployments.js';
import { JobController } from './jobs.js';
import { Kubelet, type LocalPod } from './kubelet.js';
import type { FerryImage } from './launch.js';
import { LogServer } from './log-server.js';
import { Reflector } from './reflector.js';
import { ReplicaSetController } from './replicasets.js';
import { DEFAULT_GPU_PRODUCT, Scheduler, type FakeGpus } from './scheduler.js';
import { ServiceProxies, type LocalService } from './service-proxy.js';

export type { LocalPod } from './kubelet.js';
export type { FerryImage } from './launch.js';
export type { FakeGpus } from './scheduler.js';
export type { LocalService } from './service-proxy.js';

export interface LocalRunnerOptions {
  /** The API server's base URL, e.g. `http://127.0.0.1:6443` (plain HTTP, no auth). */
  server: string;
  /** The image that runs as the `ferry` CLI, and how to run that CLI here. */
  ferry: FerryImage;
  /**
   * Where the runner keeps its files: `pods/` (per-container logs and termination
   * messages) and `claims/<name>/`, the directory of any claim not in `claims`.
   */
  stateDir: string;
  /** PersistentVolumeClaim name → the local directory that plays it. */
  claims?: Readonly<Record<string, string>>;
  /** Pod IPs are this plus 2..254; default `127.0.1.`. */
  addressPrefix?: string;
  /** Service addresses are this plus 2..254; default `127.0.2.`. */
  serviceAddressPrefix?: string;
  /**
   * GPUs the node offers: without them, a pod that requests `nvidia.com/gpu` stays
   * Pending, unschedulable. The product defaults to `Ferry-Fake-GPU`.
   */
  fakeGpus?: { count: number; product?: string };
  /** One line per event worth knowing (pod started, ready, exited, restarted, …). */
  log?: (line: string) => void;
}

export interface LocalRunner {
  /**
   * Stops watching, SIGTERMs every process (SIGKILL after 5 s), closes the Service
   * proxies and resolves once all processes have exited. API objects are left as they
   * are, but for the Node, which turns NotReady.
   */
  stop(): Promise<void>;
  /** The pods running here now, for tests and diagnostics. */
  pods(): LocalPod[];
  /** The Services proxied now and where they answer. */
  services(): LocalService[];
}

/**
 * Starts the runner; resolves once it has registered its Node and listed what it follows,
 * and rejects if it cannot (the server is not there) or the options are unusable. From
 * then on it follows the API server, retrying through its outages, until `stop`.
 */
export async function startLocalRunner(options: LocalRunnerOptions): Promise<LocalRunner> {
  if (options.ferry.command.length === 0 || options.ferry.command[0] === '') {
    throw new RangeError('ferry.command must name the program that runs ferry');
  }
  const gpus: FakeGpus | undefined =
    options.fakeGpus === undefined
      ? undefined
      : { count: options.fakeGpus.count, product: options.fakeGpus.product ?? DEFAULT_GPU_PRODUCT };
  if (gpus !== undefined && (!Number.isSafeInteger(gpus.count) || gpus.count < 0))
    throw new RangeError(`fakeGpus.count must be a whole number ≥ 0, not ${gpus.count}`);
  const log = options.log ?? ((): void => undefined);
  const stateDir = options.stateDir;
  await mkdir(join(stateDir, 'pods'), { recursive: true });
  const claims = options.claims ?? {};
  const api = new ApiClient(options.server);
  const podPool = new AddressPool(options.addressPrefix ?? '127.0.1.');
  const servicePool = new AddressPool(options.serviceAddressPrefix ?? '127.0.2.');
  // The callbacks run only once the reflectors list, after everything here is built.
  const pods = new Reflector(
    api,
    PODS,
    () => {
      kubelet.sync.trigger();
      scheduler.sync.trigger();
      replicaSets.sync.trigger();
      deployments.sync.trigger();
      jobs.sync.trigger();
    },
    log,
  );
  const deploymentCache = new Reflector(
    api,
    DEPLOYMENTS,
    () => {
      deployments.sync.trigger();
    },
    log,
  );
  const replicaSetCache = new Reflector(
    api,
    REPLICA_SETS,
    () => {
      replicaSets.sync.trigger();
      deployments.sync.trigger();
    },
    log,
  );
  const jobCache = new Reflector(
    api,
    JOBS,
    () => {
      jobs.sync.trigger();
    },
    log,
  );
  const serviceCache = new Reflector(
    api,
    SERVICES,
    () => {
      services.sync.trigger();
    },
    log,
  );
  const kubelet = new Kubelet(api, pods, podPool, {
    ferry: options.ferry,
    claimDirectory: (claim) => claims[claim] ?? join(stateDir, 'claims', claim),
    stateDir,
    log,
  });
  const scheduler = new Scheduler(api, pods, gpus, log);
  const deployments = new DeploymentController(api, deploymentCache, replicaSetCache, pods, log);
  const replicaSets = new ReplicaSetController(api, replicaSetCache, pods, log);
  const jobs = new JobController(api, jobCache, pods, log);
  const services = new ServiceProxies(api, serviceCache, pods, servicePool, log);
  const logServer = new LogServer({
    stateDir,
    pod: (namespace, name) => pods.get(`${namespace}/${name}`),
    running: (uid, container) => kubelet.worker(uid)?.running(container) ?? false,
  });
  const caches = [pods, deploymentCache, replicaSetCache, jobCache, serviceCache];
  const stop = async (): Promise<void> => {
    await Promise.all([
      ...caches.map((cache) => cache.stop()),
      scheduler.sync.stop(),
      deployments.sync.stop(),
      replicaSets.stop(),
      jobs.stop(),
    ]);
    await Promise.all([kubelet.stop(), services.stop(), logServer.close()]);
    await scheduler.unregister().catch((error: unknown) => {
      log(`node: ${describeError(error)}`);
    });
  };
  try {
    await scheduler.register(await logServer.listen());
    await Promise.all(caches.map((cache) => cache.start()));
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop, pods: () => kubelet.list(), services: () => services.list() };
}
