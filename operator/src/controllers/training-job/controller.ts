/**
 * The TrainingJob controller's shell: reads the caches, asks `planTrainingJob`, applies
 * the actions (Jobs and Services created and deleted, ModelVersions registered with a
 * number from the version ledger); the summarize step writes the status and records the
 * phase's events.
 */

import type { KubernetesObject, V1Node, V1Service } from '@kubernetes/client-node';
import {
  Labels,
  type Dataset,
  type ModelVersion,
  type TrainingJob,
  type TrainingPhase,
  type TrainingRun,
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
import { highestVersion, VersionLedger } from '../version-ledger.js';
import { totalGpus, TRAINING_JOB_LABEL } from './job.js';
import { numbered, registeredBy } from './model-version.js';
import { planTrainingJob, type Admission, type TrainingJobPlan } from './plan.js';

export interface TrainingJobControllerOptions {
  /** Where artifacts go when a TrainingJob has no spec.output. */
  defaultOutputUri: string;
  workers?: number;
}

/** How many numbers one registration may try before it gives up (names taken by hand). */
const REGISTRATION_ATTEMPTS = 5;

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
  const ledger = new VersionLedger(client, fieldManager);

  /**
   * Runs' Jobs this process admitted whose admission the cache may not show yet, by
   * `namespace/job`. Admission is decided one reconcile at a time (`admissionLock`) against
   * cache plus this ledger, so two concurrent reconciles never hand out the same GPUs.
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

  /** The runs as the cache shows them; a TrainingJob from before runs shows its one run. */
  function runsOf(trainingJob: TrainingJob): Pick<TrainingRun, 'phase' | 'jobName'>[] {
    const status = trainingJob.status;
    if (status?.runs !== undefined) return status.runs;
    return status?.phase === undefined
      ? []
      : [
          {
            phase: status.phase,
            ...(status.jobName === undefined ? {} : { jobName: status.jobName }),
          },
        ];
  }

  /**
   * The GPUs its runs hold: one demand per run admitted and not finished, so a TrainingJob
   * with `spec.concurrency` runs in flight holds that many times its GPUs.
   */
  const held = (trainingJob: TrainingJob): GpuDemand[] => {
    const holding = runsOf(trainingJob).filter((run) => HOLDING.includes(run.phase));
    if (holding.length === 0) return [];
    const demand = demandOf(trainingJob);
    return holding.map(() => demand);
  };
  /** Whether its newest run waits for admission: no Job yet. */
  const waits = (trainingJob: TrainingJob) => {
    const newest = runsOf(trainingJob).at(-1);
    return newest === undefined || (WAITING.includes(newest.phase) && newest.jobName === undefined);
  };

  function admission(trainingJob: TrainingJob): Admission {
    const candidates = trainingJobs
      .list()
      .filter((candidate) => candidate.spec.queue === undefined);
    // Once the cache shows a run past waiting, the ledger need not remember it.
    for (const [jobKey, demand] of admittedHere) {
      const owner = candidates.find((candidate) => demandOf(candidate).key === demand.key);
      const job = parseObjectKey(jobKey).name;
      const shown = owner === undefined ? undefined : runsOf(owner).find((r) => r.jobName === job);
      if (owner === undefined || (shown !== undefined && !WAITING.includes(shown.phase)))
        admittedHere.delete(jobKey);
    }
    const remembered = new Set([...admittedHere.values()].map((demand) => demand.key));
    const key = demandOf(trainingJob).key;
    const running = candidates.flatMap(held);
    const queued = candidates
      .filter((candidate) => {
        const candidateKey = demandOf(candidate).key;
        return candidateKey !== key && waits(candidate) && !remembered.has(candidateKey);
      })
      .map(demandOf);
    queued.push(demandOf(trainingJob));
    const plan = planAdmission(
      gpuCapacity(nodes.list()),
      [...running, ...admittedHere.values()],
      queued,
    );
    if (plan.admit.includes(key)) return { admitted: true };
    return {
      admitted: false,
      message: plan.wait.get(key) ?? 'waiting for earlier jobs to be admitted',
    };
  }

  async function apply(trainingJob: TrainingJob & KubernetesObject): Promise<TrainingJobPlan> {
    const namespace = trainingJob.metadata.namespace ?? 'default';
    const name = trainingJob.metadata.name ?? '';
    const owned = <T extends KubernetesObject>(objects: readonly T[]): T[] =>
      objects.filter((object) => object.metadata?.labels?.[TRAINING_JOB_LABEL] === name);
    /** ModelVersions registered in this reconcile, which the cache may not show yet. */
    const registered: ModelVersion[] = [];
    const decide = () =>
      planTrainingJob({
        trainingJob,
        dataset: datasets.get(namespace, trainingJob.spec.datasetRef.name),
        jobs: owned(jobs.list(namespace)).filter((job) =>
          (job.metadata?.ownerReferences ?? []).some(
            (owner) => owner.uid === trainingJob.metadata.uid,
          ),
        ),
        pods: owned(pods.list(namespace)),
        services: new Set(owned(services.list(namespace)).map((s) => s.metadata?.name ?? '')),
        modelVersions: [...owned(modelVersions.list(namespace)), ...registered],
        admission: () => admission(trainingJob),
        defaultOutputUri: options.defaultOutputUri,
        nowMs: clock.now(),
      });

    const decideAndPerform = async (): Promise<TrainingJobPlan> => {
      const plan = decide();
      if (!plan.actions.some((action) => action.type === 'createJob')) {
        await performAll(trainingJob, plan, registered);
        return plan;
      }
      // Admission and Job creation happen under one lock, so the ledger is current.
      const turn = admissionLock.then(async () => {
        const locked = decide();
        const demand = demandOf(trainingJob);
        const admitted = locked.actions.flatMap((action) =>
          action.type === 'createJob'
            ? [objectKey({ namespace, name: action.job.metadata?.name ?? '' })]
            : [],
        );
        for (const jobKey of admitted) admittedHere.set(jobKey, demand);
        try {
          await performAll(trainingJob, locked, registered);
        } catch (error) {
          // A Job the API server refused holds no GPUs.
          for (const jobKey of admitted) admittedHere.delete(jobKey);
          throw error;
        }
        return locked;
      });
      admissionLock = turn.catch(() => undefined);
      return turn;
    };

    const plan = await decideAndPerform();
    // A registration finishes its run: plan once more with the ModelVersion it made, so the
    // status says Succeeded now and a run waiting for the slot starts.
    return registered.length === 0 ? plan : decideAndPerform();
  }

  async function performAll(
    trainingJob: TrainingJob,
    plan: TrainingJobPlan,
    registered: ModelVersion[],
  ): Promise<void> {
    for (const action of plan.actions) {
      if (action.type === 'registerModelVersion') {
        registered.push(await register(trainingJob, action.run, action.draft));
      } else if (action.type === 'deleteJob') {
        const namespace = trainingJob.metadata.namespace ?? 'default';
        // Background propagation: the garbage collector removes the Job's Pods after it.
        await client.delete(BuiltinResources.job, namespace, action.name, 'Background');
        if (action.service !== undefined)
          await client.delete(BuiltinResources.service, namespace, action.service);
      } else {
        await create(action.type === 'createJob' ? action.job : action.service);
      }
    }
  }

  async function create(object: ObjectLike): Promise<void> {
    try {
      await client.create(object, fieldManager);
    } catch (error) {
      // Created by an earlier reconcile whose result the cache has not shown yet.
      if (!isConflict(error)) throw error;
    }
  }

  /**
   * Registers run `run` exactly once: a ModelVersion it registered before (found live, not
   * in the cache, which may lag) is returned as it is; otherwise the ledger issues the
   * model's number for the run and the ModelVersion `<model>-v<N>` is created, or found
   * created by a concurrent registration of the same run. A name someone took by hand
   * costs a number, never a second ModelVersion.
   */
  async function register(
    trainingJob: TrainingJob,
    run: string,
    draft: ModelVersion,
  ): Promise<ModelVersion> {
    const namespace = trainingJob.metadata.namespace ?? 'default';
    const ours = (modelVersion: ModelVersion | undefined): modelVersion is ModelVersion =>
      modelVersion !== undefined &&
      modelVersion.metadata.labels?.[Labels.trainingRun] === run &&
      registeredBy(modelVersion, trainingJob);
    const earlier = await client.list<ModelVersion & KubernetesObject>(
      FerryResources.modelVersion,
      { namespace, labelSelector: `${Labels.trainingRun}=${run}` },
    );
    const found = earlier.items.find(ours);
    if (found !== undefined) return found;
    const model = trainingJob.spec.model;
    const claim = `${trainingJob.metadata.uid ?? ''}/${run}`;
    let floor = highestVersion(modelVersions.list(namespace), model);
    let unusable: number | undefined;
    for (let attempt = 1; ; attempt++) {
      const version = await ledger.issue(namespace, model, {
        claim,
        floor,
        ...(unusable === undefined ? {} : { unusable }),
      });
      const wanted = numbered(draft, version);
      try {
        return await client.create(wanted, fieldManager);
      } catch (error) {
        if (!isConflict(error) || attempt >= REGISTRATION_ATTEMPTS) throw error;
        const taken = await client.get<ModelVersion & KubernetesObject>(
          FerryResources.modelVersion,
          namespace,
          wanted.metadata.name ?? '',
        );
        if (ours(taken)) return taken;
        floor = Math.max(floor, version);
        unusable = version;
      }
    }
  }

  async function cleanup(trainingJob: TrainingJob & KubernetesObject): Promise<void> {
    const namespace = trainingJob.metadata.namespace ?? 'default';
    const name = trainingJob.metadata.name ?? '';
    const mine = (object: KubernetesObject) =>
      object.metadata?.labels?.[TRAINING_JOB_LABEL] === name;
    // Background propagation: the garbage collector removes the Jobs' Pods after them. A
    // Job the cache does not show yet is owned by the TrainingJob and collected with it.
    for (const job of jobs.list(namespace).filter(mine))
      await client.delete(BuiltinResources.job, namespace, job.metadata?.name ?? '', 'Background');
    for (const service of services.list(namespace).filter(mine))
      await client.delete(BuiltinResources.service, namespace, service.metadata?.name ?? '');
    const key = demandOf(trainingJob).key;
    for (const [jobKey, demand] of admittedHere)
      if (demand.key === key) admittedHere.delete(jobKey);
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
      .filter(waits)
      .map((trainingJob) =>
        objectKey({
          namespace: trainingJob.metadata.namespace,
          name: trainingJob.metadata.name ?? '',
        }),
      );
  }
}
