/**
 * The TrainingJob controller's shell: reads the caches, asks `planTrainingJob`, applies
 * the actions; the summarize step writes the status and records the phase's events.
 */

import type { KubernetesObject, V1Node, V1Service } from '@kubernetes/client-node';
import {
  type Dataset,
  type ModelVersion,
  type TrainingJob,
  type TrainingPhase,
} from '../../api/index.js';
import { isConflict, type ObjectLike } from '../../runtime/client.js';
import { objectKey, parseObjectKey } from '../../runtime/key.js';
import { labelKeys, ownerKeys, type ControllerDefinition } from '../../runtime/manager.js';
import { BuiltinResources } from '../../runtime/resource.js';
import type { ControllerContext } from '../context.js';
import { reconcileFinalized } from '../finalized.js';
import { FerryResources } from '../resources.js';
import { gpuCapacity, planAdmission, type GpuDemand } from './admission.js';
import { OwnedJobs, OwnedPods, OwnedServices, type CachedJob, type CachedPod } from './cache.js';
import { headlessServiceName, totalGpus, TRAINING_JOB_LABEL } from './job.js';
import { modelVersionName } from './model-version.js';
import {
  planTrainingJob,
  type Admission,
  type TrainingJobAction,
  type TrainingJobPlan,
} from './plan.js';

export interface TrainingJobControllerOptions {
  /** Where artifacts go when a TrainingJob has no spec.output. */
  defaultOutputUri: string;
  workers?: number;
}

/** Phases in which a TrainingJob holds its GPUs. */
const HOLDING: readonly (TrainingPhase | undefined)[] = ['Admitted', 'Running'];
const WAITING: readonly (TrainingPhase | undefined)[] = [undefined, 'Pending', 'Queued'];

export function trainingJobController(
  context: ControllerContext,
  options: TrainingJobControllerOptions,
): ControllerDefinition {
  const { manager, client, clock, fieldManager } = context;
  const trainingJobs = manager.informer<TrainingJob & KubernetesObject>(FerryResources.trainingJob);
  const datasets = manager.informer<Dataset & KubernetesObject>(FerryResources.dataset);
  const modelVersions = manager.informer<ModelVersion & KubernetesObject>(
    FerryResources.modelVersion,
  );
  // Only the Jobs, Pods and Services Ferry made: a cluster may hold many more.
  const jobs = manager.informer<CachedJob>(BuiltinResources.job, OwnedJobs);
  const pods = manager.informer<CachedPod>(BuiltinResources.pod, OwnedPods);
  const services = manager.informer<V1Service>(BuiltinResources.service, OwnedServices);
  const nodes = manager.informer<V1Node>(BuiltinResources.node);

  /**
   * Jobs this process admitted whose admission the cache may not show yet. Admission is
   * decided one reconcile at a time (`admissionLock`) against cache plus this ledger, so
   * two concurrent reconciles never hand out the same GPUs.
   */
  const admittedHere = new Map<string, GpuDemand>();
  let admissionLock: Promise<unknown> = Promise.resolve();

  function demandOf(trainingJob: TrainingJob): GpuDemand {
    const product = trainingJob.spec.resources?.gpuProduct;
    return {
      key: objectKey({
        namespace: trainingJob.metadata.namespace,
        name: trainingJob.metadata.name ?? '',
      }),
      gpus: totalGpus(trainingJob),
      priority: trainingJob.spec.priority ?? 0,
      queuedAt: trainingJob.status?.queuedTime ?? trainingJob.metadata.creationTimestamp ?? '',
      ...(product === undefined ? {} : { product }),
    };
  }

  function admission(trainingJob: TrainingJob): Admission {
    const demands = trainingJobs
      .list()
      .filter((candidate) => candidate.spec.queue === undefined)
      .map((candidate) => ({ phase: candidate.status?.phase, demand: demandOf(candidate) }));
    // Once the cache shows a job past waiting, the ledger need not remember it.
    for (const { phase, demand } of demands) {
      if (!WAITING.includes(phase)) admittedHere.delete(demand.key);
    }
    const running = demands
      .filter(({ phase }) => HOLDING.includes(phase))
      .map(({ demand }) => demand);
    const queued = demands
      .filter(({ phase, demand }) => WAITING.includes(phase) && !admittedHere.has(demand.key))
      .map(({ demand }) => demand);
    const plan = planAdmission(
      gpuCapacity(nodes.list()),
      [...running, ...admittedHere.values()],
      queued,
    );
    const key = demandOf(trainingJob).key;
    if (plan.admit.includes(key)) return { admitted: true };
    return {
      admitted: false,
      message: plan.wait.get(key) ?? 'waiting for earlier jobs to be admitted',
    };
  }

  async function apply(trainingJob: TrainingJob & KubernetesObject): Promise<TrainingJobPlan> {
    const namespace = trainingJob.metadata.namespace ?? 'default';
    const name = trainingJob.metadata.name ?? '';
    const job = jobs.get(namespace, name);
    const decide = () =>
      planTrainingJob({
        trainingJob,
        dataset: datasets.get(namespace, trainingJob.spec.datasetRef.name),
        job,
        pods: pods
          .list(namespace)
          .filter((pod) => pod.metadata?.labels?.[TRAINING_JOB_LABEL] === name),
        service: services.get(namespace, headlessServiceName(trainingJob)),
        modelVersion: modelVersions.get(namespace, modelVersionName(trainingJob)),
        admission: () => admission(trainingJob),
        defaultOutputUri: options.defaultOutputUri,
        nowMs: clock.now(),
      });

    let plan: TrainingJobPlan | undefined;
    if (job !== undefined) {
      // Past admission: nothing here can hand out GPUs, so no need to wait for the lock.
      plan = decide();
      for (const action of plan.actions) await perform(action);
    } else {
      // Admission and Job creation happen under one lock, so the ledger is current.
      const turn = admissionLock.then(async () => {
        plan = decide();
        const demand = demandOf(trainingJob);
        if (plan.actions.some((action) => action.type === 'createJob'))
          admittedHere.set(demand.key, demand);
        try {
          for (const action of plan.actions) await perform(action);
        } catch (error) {
          // A Job the API server refused holds no GPUs.
          admittedHere.delete(demand.key);
          throw error;
        }
      });
      admissionLock = turn.catch(() => undefined);
      await turn;
    }
    if (plan === undefined) throw new Error('the admission lock ran no plan');
    return plan;
  }

  async function perform(action: TrainingJobAction): Promise<void> {
    const object: ObjectLike =
      action.type === 'createJob'
        ? action.job
        : action.type === 'createService'
          ? action.service
          : action.modelVersion;
    try {
      await client.create(object, fieldManager);
    } catch (error) {
      // Created by an earlier reconcile whose result the cache has not shown yet.
      if (!isConflict(error)) throw error;
    }
  }

  async function cleanup(trainingJob: TrainingJob & KubernetesObject): Promise<void> {
    const namespace = trainingJob.metadata.namespace ?? 'default';
    // Background propagation: the garbage collector removes the Job's Pods after it.
    await client.delete(
      BuiltinResources.job,
      namespace,
      trainingJob.metadata.name ?? '',
      'Background',
    );
    await client.delete(BuiltinResources.service, namespace, headlessServiceName(trainingJob));
    admittedHere.delete(demandOf(trainingJob).key);
  }

  return {
    name: 'trainingjob',
    primary: FerryResources.trainingJob,
    workers: options.workers ?? 4,
    watches: [
      {
        resource: BuiltinResources.job,
        selection: OwnedJobs,
        keys: ownerKeys('TrainingJob'),
      },
      {
        resource: BuiltinResources.pod,
        selection: OwnedPods,
        keys: labelKeys(TRAINING_JOB_LABEL),
      },
      {
        resource: FerryResources.dataset,
        keys: (dataset) =>
          trainingJobs
            .list(dataset.metadata?.namespace)
            .filter((trainingJob) => trainingJob.spec.datasetRef.name === dataset.metadata?.name)
            .map((trainingJob) =>
              objectKey({
                namespace: trainingJob.metadata.namespace,
                name: trainingJob.metadata.name ?? '',
              }),
            ),
      },
      {
        // Freed capacity (a job finishing, a node joining) may admit queued jobs.
        resource: BuiltinResources.node,
        keys: () => queuedKeys(),
      },
      // The ModelVersion a run registered carries its TrainingJob's label.
      { resource: FerryResources.modelVersion, keys: labelKeys(TRAINING_JOB_LABEL) },
      {
        // A job that finished or went away frees its GPUs for the queue.
        resource: FerryResources.trainingJob,
        keys: (object, change) => {
          const phase = (object as TrainingJob & KubernetesObject).status?.phase;
          return change === 'delete' || phase === 'Succeeded' || phase === 'Failed'
            ? queuedKeys()
            : [];
        },
      },
    ],
    async reconcile(key) {
      const { namespace, name } = parseObjectKey(key);
      const trainingJob = trainingJobs.get(namespace, name);
      if (trainingJob === undefined) return {};
      return reconcileFinalized(context, FerryResources.trainingJob, trainingJob, {
        apply,
        cleanup,
      });
    },
  };

  function queuedKeys(): string[] {
    return trainingJobs
      .list()
      .filter((trainingJob) => WAITING.includes(trainingJob.status?.phase))
      .map((trainingJob) =>
        objectKey({
          namespace: trainingJob.metadata.namespace,
          name: trainingJob.metadata.name ?? '',
        }),
      );
  }
}
