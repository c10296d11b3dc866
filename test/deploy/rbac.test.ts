/**
 * The chart's RBAC grants exactly what the operator uses. The real `ferry operator`, with
 * its own token, runs against a devcluster that writes an audit log, through scenarios
 * that exercise every controller, the git sync (apply, prune, the report), promotion
 * proposals and leader election. The permissions its calls needed are then compared
 * with the chart's rules file: a call the chart does not grant fails the test naming the
 * rule to add, and a grant no call used fails it naming the rule to drop.
 *
 * The local runner plays the node: the training pod runs the example's train.py and the
 * model servers run `ferry serve`, so rollouts go as far as a canary.
 *
 * The operator runs namespaced (`--namespace default`), with its Lease and sync report
 * in `ferry-system` as the chart's release namespace, so each call's scope is plain.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { InferenceService, TrainingJob } from '../../operator/src/api/index.js';
import { startLocalRunner, type LocalRunner } from '../../operator/src/devcluster/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import type { AuditRecord } from '../../operator/src/devcluster/http/audit.js';
import { eventually, REPO, startCluster, type TestCluster } from '../support/cluster.js';
import {
  FERRY_IMAGE,
  ferryWhen,
  findCondition,
  installHttpRouteKind,
  IRIS_DATA,
  IRIS_V1_SHA,
  modelVersionValidated,
  NS,
} from '../support/ferry.js';
import { createRepo, git, type WorkRepo } from '../support/git.js';
import { deliverPush } from '../support/gitops.js';
import { apiOf, type Api } from '../support/kubelet.js';
import { IRIS_ROWS, sendRows } from '../support/traffic.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';
import {
  auditUserOf,
  grantedPermissions,
  namespacedResources,
  recordedPermissions,
  RULES_FILE,
  Scopes,
  type Scope,
} from '../support/rbac.js';

const RELEASE_NS = 'ferry-system';
/**
 * Grants a run uses only when the same event recurs within the recorder's series window
 * (it then patches the event's series instead of creating another), which depends on
 * timing: they must be granted, and a run that never needs them is no fault.
 */
const USED_WHEN_EVENTS_REPEAT = new Set(['patch events.k8s.io/events']);
const APPLY = 'application/apply-patch+yaml';
const OPERATOR_TOKEN = 'ferry-operator-token';
const WEBHOOK_SECRET = 'rbac-webhook-secret';

const manifest = (kind: string, name: string, spec: string): string =>
  `apiVersion: ml.ferry.dev/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

const DATASET = manifest(
  'Dataset',
  'iris',
  `  source:
    uri: pvc://ferry-data/iris.csv
  schema:
    features: [{ name: sepal_length, type: numeric }]
    target: { name: species, type: categorical, values: [setosa, versicolor, virginica] }
`,
);
const MODEL_V1 = manifest(
  'ModelVersion',
  'iris-v1',
  `  model: iris
  version: "1"
  artifact: { uri: pvc://ferry-models/iris-v1/model.onnx, sha256: ${IRIS_V1_SHA} }
  metrics: { accuracy: 0.9 }
`,
);
const ROUTED = manifest(
  'InferenceService',
  'routed',
  `  modelVersion: iris-v1
  replicas: 1
  traffic: { httpRouteRef: { name: routed } }
`,
);
const MONITOR = manifest(
  'DriftMonitor',
  'iris-inputs',
  `  inferenceServiceRef: { name: iris }
  baselineRef: { name: iris }
  interval: 1s
  window: { minSamples: 50 }
  actions:
    retrain:
      template:
        spec:
          datasetRef: { name: iris }
          model: iris
          image: python:3
          command: [/usr/bin/python3, ${join(REPO, 'examples/iris/train.py')}]
`,
);
const TRAINING = manifest(
  'TrainingJob',
  'iris-logreg',
  `  datasetRef: { name: iris }
  model: iris
  image: python:3
  command: [/usr/bin/python3, ${join(REPO, 'examples/iris/train.py')}]
`,
);
/** A two-worker run that waits: long enough to be pruned while its Service exists. */
const DISTRIBUTED = manifest(
  'TrainingJob',
  'iris-ddp',
  `  datasetRef: { name: iris }
  model: iris
  image: python:3
  command: [/bin/sleep, "600"]
  distributed: { workers: 2 }
`,
);
/** The service declaring `version`, rolled out as a canary held at its first step. */
const serviceDeclaring = (version: string): string =>
  manifest(
    'InferenceService',
    'iris',
    `  modelVersion: ${version}
  replicas: 1
  rollout: { steps: [{ weight: 50, duration: 1h }] }
  promotion: { model: iris }
`,
  );

/**
 * Who applies what git declares: Ferry's own sync, or (as Flux or Argo CD would, with
 * `--git-sync=false`) the test, server-side applying each file's object as `flux`.
 */
const ENGINES = [
  { engine: 'ferry', sync: true },
  { engine: 'flux', sync: false },
] as const;

describe.each(ENGINES)(
  'with gitops engine $engine, the chart grants exactly the calls the operator makes',
  { timeout: 120_000 },
  ({ sync }) => {
    let cluster: TestCluster;
    let api: Api;
    let repo: WorkRepo;
    let operator: OperatorProcess;
    let scratch: string;
    let auditLog: string;
    let models: string;
    let clusterStopped = false;
    let runner: LocalRunner;
    /** Commits `files` (null deletes) and has the engine apply them. */
    let publish: (files: Record<string, string | null>) => Promise<void>;
    const applied = new Map<string, { kind: string; metadata: { name: string } }>();

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'ferry-rbac-'));
      auditLog = join(scratch, 'audit.jsonl');
      cluster = await startCluster({ crds: true, auditLogPath: auditLog });
      api = apiOf(cluster.devcluster.url);
      await api.request('POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: RELEASE_NS },
      });
      await installHttpRouteKind(api);
      await eventually(
        () =>
          api
            .request('GET', `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes`)
            .then(() => true),
        10_000,
        'the HTTPRoute kind to be served',
      );

      models = join(scratch, 'models');
      await mkdir(join(models, 'iris-v1'), { recursive: true });
      await copyFile(
        join(REPO, 'examples/iris/models/v1/model.onnx'),
        join(models, 'iris-v1', 'model.onnx'),
      );
      runner = await startLocalRunner({
        server: cluster.devcluster.url,
        ferry: FERRY_IMAGE,
        stateDir: join(scratch, 'runner'),
        claims: { 'ferry-data': IRIS_DATA, 'ferry-models': models },
        addressPrefix: '127.0.231.',
        serviceAddressPrefix: '127.0.232.',
      });
      repo = await createRepo();

      // Its own token, so the audit log tells its calls from the test's.
      const kubeconfig = join(scratch, 'kubeconfig');
      await writeFile(
        kubeconfig,
        cluster.devcluster
          .kubeconfigYaml()
          .replace('token: devcluster', `token: ${OPERATOR_TOKEN}`),
      );
      publish = async (files) => {
        await repo.commit(files);
        if (sync) return;
        for (const [file, content] of Object.entries(files)) {
          const path = (object: { kind: string; metadata: { name: string } }) =>
            `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}/${object.kind.toLowerCase()}s/${object.metadata.name}`;
          if (content === null) {
            const gone = applied.get(file);
            applied.delete(file);
            if (gone !== undefined) await api.request('DELETE', path(gone));
            continue;
          }
          const object = parse(content) as { kind: string; metadata: { name: string } };
          applied.set(file, object);
          await api.request('PATCH', `${path(object)}?fieldManager=flux&force=true`, object, APPLY);
        }
      };
      await publish({ 'dataset.yaml': DATASET, 'models/iris-v1.yaml': MODEL_V1 });
      const secretFile = join(scratch, 'webhook-secret');
      await writeFile(secretFile, WEBHOOK_SECRET);
      operator = await startOperator(kubeconfig, [
        '--namespace',
        NS,
        '--leader-election-namespace',
        RELEASE_NS,
        '--git-dir',
        repo.directory,
        '--git-interval',
        '300ms',
        `--git-sync=${String(sync)}`,
        '--webhook-secret-file',
        secretFile,
        '--claim',
        `ferry-data=${IRIS_DATA}`,
        '--claim',
        `ferry-models=${models}`,
      ]);
    }, 60_000);

    afterAll(async () => {
      if (operator.child.exitCode === null) await operator.stop();
      await runner.stop();
      if (!clusterStopped) await cluster.stop();
      await rm(scratch, { recursive: true, force: true });
    });

    /** The TrainingJobs the DriftMonitor iris-inputs created to retrain. */
    const retrainingJobs = async (): Promise<TrainingJob[]> =>
      (
        (await api.request(
          'GET',
          `/apis/ml.ferry.dev/v1alpha1/namespaces/${NS}/trainingjobs?labelSelector=ferry.dev%2Fdrift-monitor%3Diris-inputs`,
        )) as { items: TrainingJob[] }
      ).items;

    const deployment = (name: string) =>
      api.request('GET', `/apis/apps/v1/namespaces/${NS}/deployments/${name}`).then(
        () => true,
        () => false,
      );

    it('syncs every kind from git and reconciles it', async () => {
      await modelVersionValidated(cluster, 'iris-v1');
      await publish({
        'serving/iris.yaml': serviceDeclaring('iris-v1'),
        'monitoring/iris.yaml': MONITOR,
        'training/iris.yaml': TRAINING,
      });
      await ferryWhen<InferenceService>(
        cluster,
        FerryResources.inferenceService,
        'iris',
        (current) => findCondition(current, 'Ready')?.status === 'True',
        60_000,
        'iris Ready',
      );
    });

    it('starts a retraining TrainingJob when the live traffic drifts', async () => {
      const grown = IRIS_ROWS.map((row) => row.map((value) => value + 1.5));
      await eventually(
        async () =>
          (await sendRows(cluster.devcluster.url, NS, 'iris', { model: 'iris', rows: grown })) > 0,
        30_000,
        'grown rows answered',
      );
      await eventually(
        async () => (await retrainingJobs()).length > 0,
        60_000,
        'a retraining TrainingJob',
      );
    });

    /** The ModelVersion iris-logreg's run registered (numbered by the version ledger). */
    let trained = '';

    it('trains, registers the ModelVersion and proposes its promotion', async () => {
      const job = await ferryWhen<TrainingJob>(
        cluster,
        FerryResources.trainingJob,
        'iris-logreg',
        (current) =>
          current.status?.phase === 'Succeeded' && current.status.modelVersion !== undefined,
        90_000,
        'iris-logreg trained and registered',
      );
      trained = job.status?.modelVersion ?? '';
      expect(trained).toMatch(/^iris-v\d+$/);
      const branch = `ferry/promote/iris/${trained}`;
      await eventually(
        async () => (await git(repo.directory, 'branch', '--list', branch)) !== '',
        60_000,
        `branch ${branch}`,
      );
    });

    it('registers the retraining run as another version of the same model', async () => {
      // The model's second number is an update of its version ledger, the first a create.
      const retraining = (await retrainingJobs())[0]?.metadata.name ?? '';
      const job = await ferryWhen<TrainingJob>(
        cluster,
        FerryResources.trainingJob,
        retraining,
        (current) => current.status?.modelVersion !== undefined,
        90_000,
        `${retraining} registered`,
      );
      expect(job.status?.modelVersion).toMatch(/^iris-v\d+$/);
      expect(job.status?.modelVersion).not.toBe(trained);
    });

    it('starts a canary and removes it when git declares the stable version again', async () => {
      await publish({ 'serving/iris.yaml': serviceDeclaring(trained) });
      await eventually(() => deployment('iris-canary'), 60_000, 'the iris-canary Deployment');
      await publish({ 'serving/iris.yaml': serviceDeclaring('iris-v1') });
      await eventually(
        async () => !(await deployment('iris-canary')),
        30_000,
        'iris-canary removed',
      );
    });

    it('applies a named HTTPRoute and gives its rules back when the service is pruned', async () => {
      await api.request('POST', `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes`, {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'routed' },
        spec: { parentRefs: [{ name: 'public' }] },
      });
      const route = async () =>
        (await api.request(
          'GET',
          `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/routed`,
        )) as { spec: { rules?: unknown[] } };
      await publish({ 'serving/routed.yaml': ROUTED });
      await eventually(async () => ((await route()).spec.rules ?? []).length > 0, 30_000, 'rules');
      await publish({ 'serving/routed.yaml': null });
      await eventually(async () => (await route()).spec.rules === undefined, 30_000, 'no rules');
    });

    it('deletes a TrainingJob pruned from git, with its Job', async () => {
      await publish({ 'training/iris.yaml': null });
      await eventually(
        async () =>
          (await cluster.client.get<TrainingJob>(FerryResources.trainingJob, NS, 'iris-logreg')) ===
          undefined,
        30_000,
        'iris-logreg deleted',
      );
    });

    it('deletes a pruned distributed TrainingJob with its headless Service', async () => {
      await publish({ 'training/distributed.yaml': DISTRIBUTED });
      const service = () =>
        api.request('GET', `/api/v1/namespaces/${NS}/services/iris-ddp-1-workers`).then(
          () => true,
          () => false,
        );
      await eventually(service, 30_000, 'the iris-ddp-1-workers Service');
      await publish({ 'training/distributed.yaml': null });
      await eventually(async () => !(await service()), 30_000, 'iris-ddp-1-workers deleted');
    });

    it('syncs on a signed push delivery', async () => {
      const head = await repo.commit({}, 'an empty commit');
      const response = await deliverPush(operator.address, WEBHOOK_SECRET, {
        ref: 'refs/heads/main',
        after: head,
        delivery: 'rbac-1',
      });
      expect(response.status).toBe(202);
    });

    it('prunes every object it applied when git no longer declares them', async () => {
      const files = [
        'dataset.yaml',
        'models/iris-v1.yaml',
        'serving/iris.yaml',
        'monitoring/iris.yaml',
      ];
      await publish(Object.fromEntries(files.map((file) => [file, null])));
      for (const resource of [
        FerryResources.dataset,
        FerryResources.driftMonitor,
        FerryResources.inferenceService,
      ]) {
        await eventually(
          async () => (await cluster.client.list(resource, { namespace: NS })).items.length === 0,
          30_000,
          `no ${resource.plural}`,
        );
      }
      await eventually(
        async () =>
          (await cluster.client.get(FerryResources.modelVersion, NS, 'iris-v1')) === undefined,
        30_000,
        'iris-v1 pruned',
      );
    });

    it('needs no permission the chart lacks, and the chart grants none it does not need', async () => {
      // A graceful stop releases the Lease, one more call to account for.
      expect(await operator.stop()).toBe(0);
      const namespaced = await namespacedResources(cluster.devcluster.url);
      await cluster.stop();
      clusterStopped = true;
      const scopeOf = (record: AuditRecord): Scope => {
        if (record.namespace === NS) return Scopes.watched;
        if (record.namespace === RELEASE_NS) return Scopes.release;
        if (record.namespace !== undefined) throw new Error(`a call in ${record.namespace}`);
        return namespaced.has(`${record.group ?? ''}/${record.resource ?? ''}`)
          ? Scopes.allNamespaces
          : Scopes.cluster;
      };
      const recorded = await recordedPermissions(auditLog, auditUserOf(OPERATOR_TOKEN), scopeOf);
      const granted = await grantedPermissions({ sync });
      const problems: string[] = [];
      for (const scope of Object.values(Scopes)) {
        const used = recorded.get(scope) ?? new Map<string, string>();
        const allowed = granted.get(scope) ?? new Set<string>();
        for (const [needed, example] of used) {
          if (!allowed.has(needed))
            problems.push(`missing in ${scope}: ${needed} (the operator sent ${example})`);
        }
        for (const grant of allowed) {
          if (!used.has(grant) && !USED_WHEN_EVENTS_REPEAT.has(grant))
            problems.push(`never used in ${scope}: ${grant}`);
        }
      }
      expect(problems, `fix ${RULES_FILE}`).toEqual([]);
      expect(await readFile(auditLog, 'utf8')).not.toContain(OPERATOR_TOKEN);
    });
  },
);
