/**
 * `ferry up`: the whole loop on one machine. In order: the state directory's lock, the
 * repository to sync, the claims, the devcluster (objects kept under the state directory),
 * Ferry's CRDs, the local runner (pods as local processes), and `ferry operator` as a child
 * process syncing the repository; then it prints progress as the objects change, until
 * `until` resolves, and stops everything in reverse order.
 *
 * State directory layout: `up.pid` (the lock), `kubeconfig`, `cluster/` (the API
 * objects), `runner/` (pod logs and termination messages), `claims/<name>/`, `repo/`
 * (when Ferry made the repository), `operator.log` and `runner.log`. A second run on the
 * same directory resumes from what they hold.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import {
  FERRY_IMAGE_REPOSITORY,
  PRODUCT,
  type Dataset,
  type InferenceService,
  type ModelVersion,
} from '../api/index.js';
import { FerryResources } from '../controllers/resources.js';
import { DevCluster, startLocalRunner, type LocalRunner } from '../devcluster/index.js';
import { KubeClient } from '../runtime/client.js';
import { errorMessage } from '../runtime/errors.js';
import { noopLogger } from '../runtime/logger.js';
import { packageDirectory } from '../runtime/version.js';
import { seedClaims } from './claims.js';
import { applyCrds } from './crds.js';
import { acquireLock } from './lock.js';
import { startOperatorChild, type OperatorChild } from './operator-process.js';
import { upRepository } from './repository.js';
import { clusterUsage, exampleRequest, serviceUsage } from './usage.js';
import { watchProgress, type ProgressWatch } from './watch.js';

export const UP_NAMESPACE = 'default';
const FIELD_MANAGER = 'ferry-up';
/** How often the operator polls the repository: a local repository is cheap to read. */
const GIT_INTERVAL = '2s';

export interface UpOptions {
  /** The folder of manifests to run. */
  folder: string;
  stateDir: string;
  /** The API server's port; 0 picks a free one. */
  port: number;
  fakeGpus?: number;
  /** The argv prefix that runs the `ferry` CLI here, e.g. `[node, dist/cli/main.js]`. */
  ferryCommand: readonly string[];
  print: (line: string) => void;
  /** Resolves when `ferry up` should stop, with what stopped it (a signal's name). */
  until: Promise<string>;
  /** When the command started, for the time-to-ready it prints; default now. */
  startedAt?: number;
}

export type UpOutcome =
  | { result: 'stopped'; reason: string }
  | { result: 'already-running'; pid: number }
  | { result: 'operator-exited'; code: number | null };

/**
 * The loopback ranges of this state directory's pods and Services, `127.1.N.` and
 * `127.2.N.` with N from the directory's path: a resumed run serves at the same URLs, and
 * two runs on different state directories do not compete for addresses.
 */
export function addressPrefixes(stateDir: string): { pods: string; services: string } {
  const n = (createHash('sha256').update(stateDir).digest().readUInt16BE(0) % 250) + 1;
  return { pods: `127.1.${String(n)}.`, services: `127.2.${String(n)}.` };
}

export async function runUp(options: UpOptions): Promise<UpOutcome> {
  const startedAt = options.startedAt ?? Date.now();
  const { stateDir, print } = options;
  await mkdir(stateDir, { recursive: true });
  const lock = await acquireLock(stateDir);
  if (!lock.held) return { result: 'already-running', pid: lock.pid };

  const stops: (() => Promise<void>)[] = [lock.release];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => {
        print(`while stopping: ${errorMessage(error)}`);
      });
    }
  };
  try {
    const repository = await upRepository(options.folder, stateDir);
    print(
      repository.owned
        ? `repository: ${repository.directory} (branch ${repository.branch}), ${repository.created ? 'made from' : 'made earlier from'} ${options.folder}; commit there to change what runs`
        : `repository: ${repository.directory} (branch ${repository.branch}), synced in place`,
    );
    const claims = await seedClaims(options.folder, stateDir);

    const cluster = await DevCluster.start({
      port: options.port,
      stateDir: join(stateDir, 'cluster'),
    });
    stops.push(() => cluster.stop());
    const kubeconfig = join(stateDir, 'kubeconfig');
    await cluster.writeKubeconfig(kubeconfig);
    await applyCrds(cluster.url, FIELD_MANAGER);
    print(`devcluster: ${cluster.url}, objects kept in ${join(stateDir, 'cluster')}`);

    const root = packageDirectory(PRODUCT);
    const runnerLog = join(stateDir, 'runner.log');
    const addresses = addressPrefixes(stateDir);
    const runner: LocalRunner = await startLocalRunner({
      server: cluster.url,
      ferry: { image: FERRY_IMAGE_REPOSITORY, command: options.ferryCommand, workingDir: root },
      stateDir: join(stateDir, 'runner'),
      claims,
      addressPrefix: addresses.pods,
      serviceAddressPrefix: addresses.services,
      ...(options.fakeGpus === undefined ? {} : { fakeGpus: { count: options.fakeGpus } }),
      log: (line) => {
        void appendFile(runnerLog, `${new Date().toISOString()} ${line}\n`).catch(() => undefined);
      },
    });
    stops.push(() => runner.stop());

    const operatorLog = join(stateDir, 'operator.log');
    const operator: OperatorChild = await startOperatorChild({
      argv: [
        ...options.ferryCommand,
        'operator',
        '--kubeconfig',
        kubeconfig,
        '--bind-address',
        '127.0.0.1:0',
        '--leader-elect=false',
        '--namespace',
        UP_NAMESPACE,
        '--git-dir',
        repository.directory,
        '--git-branch',
        repository.branch,
        '--git-interval',
        GIT_INTERVAL,
        ...Object.entries(claims).flatMap(([claim, directory]) => [
          '--claim',
          `${claim}=${directory}`,
        ]),
      ],
      cwd: root,
      logFile: operatorLog,
    });
    stops.push(() => operator.stop());
    print(`operator: pid ${String(operator.pid)}, JSON logs in ${operatorLog}`);
    for (const line of clusterUsage(kubeconfig)) print(line);

    const config = new KubeConfig();
    config.loadFromFile(kubeconfig);
    const client = new KubeClient(config);
    const answered = new Set<string>();
    const announce = async (service: InferenceService): Promise<void> => {
      const [version, dataset] = await Promise.all([
        client.get<ModelVersion>(
          FerryResources.modelVersion,
          UP_NAMESPACE,
          service.status?.stableVersion ?? '',
        ),
        client
          .list<Dataset>(FerryResources.dataset, { namespace: UP_NAMESPACE })
          .then((list) => list.items[0]),
      ]);
      const request = exampleRequest(version, dataset);
      for (const line of serviceUsage(service, request, Date.now() - startedAt)) print(line);
    };
    const watch: ProgressWatch = watchProgress({
      client,
      namespace: UP_NAMESPACE,
      context: { repository: repository.directory },
      log: noopLogger,
      print,
      onService: (service) => {
        const name = service.metadata.name ?? '';
        const ready = service.status?.conditions?.some(
          (condition) => condition.type === 'Ready' && condition.status === 'True',
        );
        if (ready !== true || service.status?.url === undefined || answered.has(name)) return;
        answered.add(name);
        void announce(service).catch((error: unknown) => {
          print(`${name}: ${errorMessage(error)}`);
        });
      },
    });
    stops.push(() => watch.stop());

    const outcome = await Promise.race([
      options.until.then((reason): UpOutcome => ({ result: 'stopped', reason })),
      operator.exited.then((code): UpOutcome => ({ result: 'operator-exited', code })),
    ]);
    if (outcome.result === 'operator-exited') {
      print(`the operator exited with code ${String(outcome.code)}; its logs: ${operatorLog}`);
    }
    print('stopping: the operator, the local runner and its pods, the devcluster');
    await stopAll();
    return outcome;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
