/**
 * A promotion reconciler against a devcluster, with the objects it reads: ModelVersions
 * whose status says Ready (as the ModelVersion controller would write it), and an
 * InferenceService that follows the model.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { InferenceService, ModelVersion } from '../../operator/src/api/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import {
  promotionController,
  type PromotionControllerOptions,
} from '../../operator/src/gitops/promotion/controller.js';
import { realClock } from '../../operator/src/runtime/clock.js';
import { EventRecorder } from '../../operator/src/runtime/events.js';
import { Manager } from '../../operator/src/runtime/manager.js';
import type { TestCluster } from './cluster.js';
import { ferryWhen, NS, type Stored } from './ferry.js';

const run = promisify(execFile);

/** Runs git in `dir` with a fixed identity and returns its stdout. */
export async function gitIn(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', dir, ...args], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: dir,
    },
  });
  return stdout;
}

/** The service's manifest as a person writes it: comments, flow style, odd spacing. */
export const IRIS_MANIFEST = `# The iris service. Promotion pull requests edit one line of it.
apiVersion: ml.ferry.dev/v1alpha1
kind: InferenceService
metadata:
  name: iris      # the service name
  labels: { ferry.dev/model: iris }
spec:
  # Served version; Ferry proposes changes here.
  modelVersion: iris-v1   # bumped by pull request
  replicas: 2
  rollout:
    strategy: Canary
    steps:
      - { weight: 10, duration: 1m }
      - { weight: 50, duration: 2m }
  promotion:
    policy: PullRequest
    model: iris
    gates:
      - { metric: accuracy, min: 0.9 }
`;

export const OTHER_MANIFEST = `# Not Ferry's: another team's config map.
apiVersion: v1
kind: ConfigMap
metadata:
  name: iris-settings
data:
  modelVersion: iris-v1
`;

export interface VersionSeed {
  name: string;
  accuracy: number;
}

/** Creates a ModelVersion and writes the status a validated version has. */
export async function createReadyVersion(cluster: TestCluster, seed: VersionSeed): Promise<void> {
  await cluster.client.create<ModelVersion>(
    {
      apiVersion: 'ml.ferry.dev/v1alpha1',
      kind: 'ModelVersion',
      metadata: { name: seed.name, namespace: NS },
      spec: {
        model: 'iris',
        version: seed.name.replace(/^iris-/, ''),
        artifact: { uri: `file:///models/${seed.name}/model.onnx`, sha256: 'c'.repeat(64) },
        metrics: { accuracy: seed.accuracy, f1_macro: seed.accuracy - 0.02 },
        primaryMetric: 'accuracy',
        lineage: {
          dataset: { name: 'iris', digest: `sha256:${'d'.repeat(64)}` },
          trainingJob: `train-${seed.name}`,
          gitCommit: 'e'.repeat(40),
          hyperparameters: { C: 1, max_iter: 200 },
        },
      },
    },
    'test',
  );
  const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await cluster.client.applyStatus(
    FerryResources.modelVersion,
    NS,
    seed.name,
    {
      stage: 'Candidate',
      conditions: ['Validated', 'Ready'].map((type) => ({
        type,
        status: 'True',
        reason: 'Validated',
        message: 'artifact verified',
        lastTransitionTime: time,
      })),
    },
    'ferry-operator',
  );
}

/** Creates the iris InferenceService (as the manifest declares it) serving `stable`. */
export async function createIrisService(
  cluster: TestCluster,
  options: { policy?: string; stable?: string; annotations?: Record<string, string> } = {},
): Promise<void> {
  await cluster.client.create<InferenceService>(
    {
      apiVersion: 'ml.ferry.dev/v1alpha1',
      kind: 'InferenceService',
      metadata: { name: 'iris', namespace: NS, annotations: options.annotations ?? {} },
      spec: {
        modelVersion: 'iris-v1',
        replicas: 2,
        rollout: {
          strategy: 'Canary',
          steps: [
            { weight: 10, duration: '1m' },
            { weight: 50, duration: '2m' },
          ],
        },
        promotion: {
          policy: (options.policy ?? 'PullRequest') as 'PullRequest',
          model: 'iris',
          gates: [{ metric: 'accuracy', min: 0.9 }],
        },
      },
    },
    'test',
  );
  await cluster.client.applyStatus(
    FerryResources.inferenceService,
    NS,
    'iris',
    { stableVersion: options.stable ?? 'iris-v1' },
    'ferry-operator',
  );
}

export interface RunningPromotion {
  stop: () => Promise<void>;
}

/** Starts a manager running only the promotion reconciler. */
export async function startPromotion(
  cluster: TestCluster,
  options: PromotionControllerOptions,
): Promise<RunningPromotion> {
  const manager = new Manager({ client: cluster.client, namespace: NS, resyncMs: 60_000 });
  const recorder = new EventRecorder(cluster.client, {
    controller: 'test',
    instance: 'test',
    fieldManager: 'test',
  });
  manager.add(
    promotionController({ client: cluster.client, manager, recorder, clock: realClock }, options),
  );
  await manager.start();
  return { stop: () => manager.stop() };
}

/** Waits until ModelVersion `name` records a proposal in `state`. */
export function promotionIn(
  cluster: TestCluster,
  name: string,
  state: string,
  timeoutMs = 20_000,
): Promise<Stored<ModelVersion>> {
  return ferryWhen<ModelVersion>(
    cluster,
    FerryResources.modelVersion,
    name,
    (current) => current.status?.promotion?.state === state,
    timeoutMs,
    `${name} promotion ${state}`,
  );
}
