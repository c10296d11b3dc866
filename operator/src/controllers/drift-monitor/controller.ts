/**
 * The DriftMonitor controller's shell. Every `spec.interval` it reads `/samples` from every
 * Ready model server pod of the target InferenceService, merges them weighted by each
 * pod's requests, compares them with the baseline Dataset's profile and reference sample
 * (`compareWithBaseline`), and does what `planDriftMonitor` says: the summarize step writes
 * the status and records the transition's event, the retrain action's TrainingJob is
 * created, and the metrics are set.
 *
 * The evaluation's time is in `status.lastCheckTime`, and a retraining job is found again
 * through its label, so a restarted operator neither evaluates early nor retrains twice.
 */

import type { KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import {
  Labels,
  type Dataset,
  type DriftMonitor,
  type DriftMonitorStatus,
  type InferenceService,
  type TrainingJob,
} from '../../api/index.js';
import type { FeatureProfile, SampleValue } from '../../data/feature.js';
import { DriftInputError } from '../../drift/index.js';
import { mergeSamples } from '../../serving/samples-merge.js';
import type { SamplesSnapshot } from '../../serving/samples.js';
import { isConflict, type KubeClient } from '../../runtime/client.js';
import { getCondition } from '../../runtime/conditions.js';
import { errorMessage } from '../../runtime/errors.js';
import { parseObjectKey } from '../../runtime/key.js';
import type { Logger } from '../../runtime/logger.js';
import type { ControllerDefinition } from '../../runtime/manager.js';
import { BuiltinResources } from '../../runtime/resource.js';
import { summarizeAndPatch } from '../../runtime/summarize.js';
import type { ControllerContext } from '../context.js';
import { decidePeriodicCheck } from '../periodic.js';
import { FerryResources } from '../resources.js';
import {
  getServerText,
  INFERENCE_SERVICE_LABEL,
  isReadyPod,
  podAddress,
  samplesPath,
  ServingPods,
  type ServingPod,
} from '../serving-pods.js';
import { compareWithBaseline, evaluationWindow, type Baseline } from './compare.js';
import type { DriftMetrics } from './metrics.js';
import {
  evaluationIntervalMs,
  planDriftMonitor,
  type DriftMonitorPlan,
  type EvaluationInput,
  type EvaluationProblem,
  type LiveReading,
} from './plan.js';
import { decideRetrain } from './retrain.js';

export interface DriftMonitorControllerOptions {
  metrics: DriftMetrics;
  /** Whether a git repository takes proposals: the pullRequest action's state is then its. */
  proposals: boolean;
  workers?: number;
}

type Stored<T> = T & KubernetesObject;

/** The profile and reference sample of `dataset`, or why they cannot be had. */
async function readBaseline(
  client: KubeClient,
  dataset: Dataset | undefined,
  name: string,
): Promise<Baseline | EvaluationProblem> {
  if (dataset === undefined)
    return { reason: 'BaselineNotFound', message: `Dataset ${name} does not exist` };
  const ready = getCondition(dataset.status?.conditions, 'Ready');
  const configMap = dataset.status?.profileConfigMap;
  if (ready?.status !== 'True' || configMap === undefined)
    return {
      reason: 'BaselineNotReady',
      message: `Dataset ${name} is not Ready${ready === undefined ? '' : `: ${ready.message}`}`,
    };
  const profile = await client.get<V1ConfigMap>(
    BuiltinResources.configMap,
    dataset.metadata.namespace,
    configMap,
  );
  const profileJson = profile?.data?.['profile.json'];
  const sampleJson = profile?.data?.['sample.json'];
  if (profileJson === undefined || sampleJson === undefined)
    return {
      reason: 'BaselineNotReady',
      message: `the profile ConfigMap ${configMap} of Dataset ${name} is missing`,
    };
  const parsed = JSON.parse(profileJson) as { features: FeatureProfile[] };
  const declared = dataset.spec.schema?.features.map((feature) => feature.name);
  return {
    dataset: name,
    features: parsed.features,
    sample: JSON.parse(sampleJson) as Record<string, SampleValue[]>,
    inputOrder: declared ?? parsed.features.map((feature) => feature.name),
  };
}

/** Each Ready pod's `/samples`; a pod that does not answer is named, never an error. */
async function readPods(
  pods: readonly ServingPod[],
  sinceMs: number | undefined,
): Promise<{ snapshots: SamplesSnapshot[]; reading: LiveReading }> {
  const readings = await Promise.all(
    pods.filter(isReadyPod).map(async (pod) => {
      const name = pod.metadata?.name ?? '';
      const address = podAddress(pod);
      const model = pod.metadata?.labels?.[Labels.model];
      if (address === undefined || model === undefined)
        return { name, error: 'no pod IP or model label' };
      try {
        const text = await getServerText(samplesPath(address, model, sinceMs));
        return { name, snapshot: JSON.parse(text) as SamplesSnapshot };
      } catch (error) {
        return { name, error: errorMessage(error) };
      }
    }),
  );
  const snapshots = readings.flatMap((reading) =>
    reading.snapshot === undefined ? [] : [reading.snapshot],
  );
  return {
    snapshots,
    reading: {
      pods: snapshots.length,
      unreachable: readings.flatMap((reading) =>
        reading.error === undefined ? [] : [`${reading.name}: ${reading.error}`],
      ),
    },
  };
}

export function driftMonitorController(
  context: ControllerContext,
  options: DriftMonitorControllerOptions,
): ControllerDefinition {
  const { manager, client, clock, fieldManager } = context;
  const monitors = manager.informer<Stored<DriftMonitor>>(FerryResources.driftMonitor);
  const services = manager.informer<Stored<InferenceService>>(FerryResources.inferenceService);
  const datasets = manager.informer<Stored<Dataset>>(FerryResources.dataset);
  const trainingJobs = manager.informer<Stored<TrainingJob>>(FerryResources.trainingJob);
  const pods = manager.informer<ServingPod>(BuiltinResources.pod, ServingPods);

  async function observe(
    monitor: DriftMonitor,
    nowMs: number,
  ): Promise<EvaluationInput['outcome']> {
    const namespace = monitor.metadata.namespace ?? 'default';
    const target = monitor.spec.inferenceServiceRef.name;
    if (services.get(namespace, target) === undefined)
      return {
        ok: false,
        problem: {
          reason: 'InferenceServiceNotFound',
          message: `InferenceService ${target} does not exist`,
        },
      };
    const baselineName = monitor.spec.baselineRef.name;
    const baseline = await readBaseline(
      client,
      datasets.get(namespace, baselineName),
      baselineName,
    );
    if ('reason' in baseline) return { ok: false, problem: baseline };
    const window = evaluationWindow(monitor, nowMs);
    const { snapshots, reading } = await readPods(
      pods
        .list(namespace)
        .filter((pod) => pod.metadata?.labels?.[INFERENCE_SERVICE_LABEL] === target),
      window.sinceMs,
    );
    const live = mergeSamples(snapshots, window.rows);
    try {
      return { ok: true, comparison: compareWithBaseline(monitor, baseline, live), live: reading };
    } catch (error) {
      if (!(error instanceof DriftInputError)) throw error;
      return { ok: false, problem: { reason: 'InvalidFeatures', message: error.message } };
    }
  }

  async function steps(monitor: Stored<DriftMonitor>, log: Logger): Promise<DriftMonitorPlan> {
    const namespace = monitor.metadata.namespace ?? 'default';
    const name = monitor.metadata.name ?? '';
    const nowMs = clock.now();
    const jobs = trainingJobs
      .list(namespace)
      .filter((job) => job.metadata.labels?.[Labels.driftMonitor] === name);
    const plan = planDriftMonitor({
      monitor,
      outcome: await observe(monitor, nowMs),
      retrain: (drifted) => decideRetrain(monitor, jobs, nowMs, drifted),
      proposals: options.proposals,
      nowMs,
    });
    if (plan.create !== undefined) {
      try {
        await client.create(plan.create.job, fieldManager);
      } catch (error) {
        // Created by an earlier attempt of this same evaluation: that one is the job.
        if (!isConflict(error)) throw error;
      }
      log.info({ trainingJob: plan.create.job.metadata.name }, 'retraining job created');
    }
    options.metrics.record({ namespace, monitor: name }, plan.judged);
    return plan;
  }

  /** Without a repository nothing else writes `pullRequest`; with one, the gitops side does. */
  const ownFields = options.proposals
    ? ({ pullRequest: _theirs, ...ours }: DriftMonitorStatus): DriftMonitorStatus => ours
    : undefined;

  return {
    name: 'driftmonitor',
    primary: FerryResources.driftMonitor,
    workers: options.workers ?? 2,
    async reconcile(key, { log }) {
      const { namespace, name } = parseObjectKey(key);
      const monitor = monitors.get(namespace, name);
      if (monitor === undefined || monitor.metadata.deletionTimestamp !== undefined) {
        options.metrics.forget({ namespace: namespace ?? 'default', monitor: name });
        return {};
      }
      const decision = decidePeriodicCheck(
        monitor.status,
        monitor.metadata.generation,
        evaluationIntervalMs(monitor),
        clock.now(),
      );
      if (!decision.check) return { requeueAfterMs: decision.requeueAfterMs };
      return summarizeAndPatch(
        context,
        FerryResources.driftMonitor,
        monitor,
        () => steps(monitor, log),
        ownFields === undefined ? {} : { ownFields },
      );
    },
  };
}
