import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { FERRY_IMAGE_REPOSITORY, FieldManager, PRODUCT } from '../../api/index.js';
import { allControllers, DriftMetrics } from '../../controllers/index.js';
import { parseDuration } from '../../api/duration.js';
import { realClock } from '../../runtime/clock.js';
import { KubeClient } from '../../runtime/client.js';
import { EventRecorder } from '../../runtime/events.js';
import { LeaderElector } from '../../runtime/leader-election.js';
import { runElected } from '../../runtime/elected.js';
import { Manager } from '../../runtime/manager.js';
import { OperatorMetrics } from '../../runtime/metrics.js';
import { startProbeServer } from '../../runtime/probes.js';
import { packageVersion } from '../../runtime/version.js';
import { ExitCode, UsageError, type CommandIO } from '../io.js';
import { createLogger } from '../logger.js';
import { untilShutdownSignal } from '../signals.js';
import { parseClaims } from '../claims.js';
import { loadKubeConfig } from '../kubeconfig.js';
import { childProcessInspector } from '../../controllers/model-version/inspector.js';
import {
  gitopsFlagOptions,
  gitopsFromFlags,
  gitopsUsage,
  promotionFromFlags,
} from '../gitops-flags.js';
import { promotionController } from '../../gitops/promotion/controller.js';
import { driftProposalController } from '../../gitops/promotion/drift-proposal.js';
import { GitHubRepository } from '../../gitops/promotion/github-repository.js';

export const operatorUsage = `Usage: ferry operator [flags]

Runs Ferry's controllers against a Kubernetes API server.

Flags:
  --kubeconfig FILE               kubeconfig to use (default: $KUBECONFIG, else in-cluster)
  --namespace NS                  watch only this namespace
  --all-namespaces                watch every namespace (the default)
  --bind-address HOST:PORT        /healthz, /readyz and /metrics (default 0.0.0.0:8081)
  --leader-elect=false            run without leader election (one replica only)
  --leader-election-namespace NS  namespace of the Lease (default $POD_NAMESPACE or default)
  --leader-election-id NAME       name of the Lease (default ferry-operator)
  --lease-duration D              (default 15s)   --renew-deadline D (default 10s)
  --retry-period D                (default 2s)
  --identity ID                   this replica's name in the Lease (default hostname_pid)
  --resync-period D               re-check every object this often (default 10m)
  --shutdown-grace-period D       how long SIGTERM waits for in-flight work (default 25s)
  --claim NAME=DIR                where PersistentVolumeClaim NAME is mounted (repeatable)
  --default-output URI            artifact location of TrainingJobs without spec.output
  --serve-image IMAGE             image of model server pods (default ${FERRY_IMAGE_REPOSITORY}:<version>)
  --log-level LEVEL               debug, info, warn or error (default info)
${gitopsUsage}

SIGTERM or SIGINT finishes in-flight reconciles, releases the Lease, and exits 0, even
while the API server is unreachable. Work still running after the grace period is
abandoned, and the exit status is then 1.`;

function durationFlag(name: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--${name} "${value}" is not a duration such as 15s`);
  return ms;
}

function splitAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  if (colon === -1 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--bind-address "${address}" is not HOST:PORT`);
  }
  return { host: address.slice(0, colon) || '0.0.0.0', port };
}

export async function operatorCommand(argv: string[], io: CommandIO): Promise<ExitCode> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      'all-namespaces': { type: 'boolean', default: false },
      'bind-address': { type: 'string', default: '0.0.0.0:8081' },
      'leader-elect': { type: 'string', default: 'true' },
      'leader-election-namespace': { type: 'string' },
      'leader-election-id': { type: 'string', default: 'ferry-operator' },
      'lease-duration': { type: 'string', default: '15s' },
      'renew-deadline': { type: 'string', default: '10s' },
      'retry-period': { type: 'string', default: '2s' },
      identity: { type: 'string' },
      'resync-period': { type: 'string', default: '10m' },
      'shutdown-grace-period': { type: 'string', default: '25s' },
      claim: { type: 'string', multiple: true, default: [] },
      'default-output': { type: 'string', default: 'pvc://ferry-models' },
      'serve-image': {
        type: 'string',
        default: `${FERRY_IMAGE_REPOSITORY}:${packageVersion(PRODUCT)}`,
      },
      'log-level': { type: 'string', default: 'info' },
      ...gitopsFlagOptions,
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.namespace !== undefined && values['all-namespaces']) {
    throw new UsageError('--namespace and --all-namespaces are mutually exclusive');
  }
  const leaderElect = values['leader-elect'] !== 'false';
  const claims = parseClaims(values.claim);
  const timings = {
    leaseDurationMs: durationFlag('lease-duration', values['lease-duration']),
    renewDeadlineMs: durationFlag('renew-deadline', values['renew-deadline']),
    retryPeriodMs: durationFlag('retry-period', values['retry-period']),
  };
  const resyncMs = durationFlag('resync-period', values['resync-period']);
  const gracePeriodMs = durationFlag('shutdown-grace-period', values['shutdown-grace-period']);
  const { host, port } = splitAddress(values['bind-address']);
  const log = createLogger(values['log-level']);
  // Listen from the start: a signal during start-up is a shutdown like any other.
  const shutdown = new AbortController();
  void untilShutdownSignal().then((signal) => {
    log.info({ signal }, 'shutting down: finishing in-flight reconciles');
    shutdown.abort();
  });
  const identity = values.identity ?? `${hostname()}_${process.pid}`;

  const client = new KubeClient(loadKubeConfig(values.kubeconfig));
  const metrics = new OperatorMetrics();
  const driftMetrics = new DriftMetrics(metrics.registry);
  const promotion = await promotionFromFlags(values, { env: process.env, log });
  const gitops = await gitopsFromFlags(values, {
    env: process.env,
    reportNamespace: values['leader-election-namespace'] ?? process.env.POD_NAMESPACE ?? 'default',
    registry: metrics.registry,
    log,
    github: promotion?.repository instanceof GitHubRepository ? promotion.repository : undefined,
  });
  const recorder = new EventRecorder(client, {
    controller: 'ml.ferry.dev/operator',
    instance: identity,
    log,
    fieldManager: FieldManager.operator,
  });
  let manager: Manager | undefined;
  let synced = false;
  const probes = await startProbeServer({
    host,
    port,
    registry: metrics.registry,
    // A standby is ready to take over; a leader once its caches have synced.
    ready: () => (manager === undefined ? leaderElect : synced),
    ...(gitops === undefined ? {} : { routes: gitops.routes }),
  });
  io.stdout(`ferry operator ${identity}: probes and metrics on http://${probes.address}\n`);

  const elector = leaderElect
    ? new LeaderElector({
        client,
        namespace: values['leader-election-namespace'] ?? process.env.POD_NAMESPACE ?? 'default',
        name: values['leader-election-id'],
        identity,
        ...timings,
        log,
        fieldManager: FieldManager.operator,
      })
    : undefined;

  const newManager = (): Manager => {
    const current = new Manager({
      client,
      ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
      resyncMs,
      clock: realClock,
      log,
      metrics,
    });
    manager = current;
    const context = {
      client,
      manager: current,
      recorder,
      clock: realClock,
      fieldManager: FieldManager.operator,
    };
    for (const controller of allControllers(context, {
      claims,
      defaultOutputUri: values['default-output'],
      serveImage: values['serve-image'],
      inspectArtifact: childProcessInspector(process.argv[1] ?? '', claims),
      driftMetrics,
      proposals: promotion !== undefined,
    })) {
      current.add(controller);
    }
    if (promotion !== undefined) {
      current.add(promotionController(context, { ...promotion, log }));
      current.add(driftProposalController(context, { ...promotion, log }));
    }
    return current;
  };

  let exit: ExitCode = ExitCode.ok;
  try {
    metrics.setLeader(values['leader-election-id'], false);
    const { lostLeadership, abandoned } = await runElected({
      elector,
      shutdown: shutdown.signal,
      gracePeriodMs,
      newManager,
      onLeading: (leading) => {
        metrics.setLeader(values['leader-election-id'], leading);
      },
      onStarted: () => {
        synced = true;
        log.info({ identity }, 'controllers started');
        return gitops?.startGitSync({ client, recorder });
      },
    });
    if (abandoned) {
      log.error(
        { identity, gracePeriodMs },
        'shutdown grace period over: abandoning in-flight reconciles and the Lease release',
      );
      exit = ExitCode.failed;
    } else if (lostLeadership) {
      log.error({ identity }, 'lost leadership; exiting so a fresh replica can campaign');
      exit = ExitCode.failed;
    }
  } finally {
    await probes.close();
  }
  log.info({ identity }, 'stopped');
  return exit;
}
