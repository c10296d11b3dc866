/**
 * Plays the Job controller: keeps each Job's Pods and status as `planJob` says.
 *
 * Contract, level-triggered on the Job and Pod caches: for every Job not being deleted,
 * the pods it controls (by controller ownerReference) are created and deleted as planned,
 * then its status is merge-patched on `/status` when it differs from what the API server
 * holds, and a timer looks again at its deadline. New pods are named `<job>-<5 random>`
 * (Indexed: `<job>-<index>-<5 random>`, with the completion index as the annotation and
 * label `batch.kubernetes.io/job-completion-index`, `spec.hostname` `<job>-<index>`, and
 * `JOB_COMPLETION_INDEX` in every container's env), carry the template's labels, and are
 * left for the scheduler to bind. Pods go with their Job through devcluster's garbage
 * collector. One Job's failure never holds up the others.
 */
import { ApiError, describeError, jobPath, podPath, podsPath, type ApiClient } from './api.js';
import {
  controllerOf,
  identityOf,
  objectAt,
  objectsAt,
  stringAt,
  type JsonObject,
  type ObjectIdentity,
} from './json.js';
import { COMPLETION_INDEX, jobPod, planJob, type JobPod } from './job-plan.js';
import { podFromTemplate, randomSuffix } from './pod-template.js';
import type { Reflector } from './reflector.js';
import { reconcileEach } from './reconcile-each.js';
import { SerialTask } from './serial.js';
import { writeStatus } from './status-writer.js';

export class JobController {
  readonly sync: SerialTask;
  /** uids of pods deleted by this controller: they never count as failures. */
  private readonly removed = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly api: ApiClient,
    private readonly jobs: Reflector,
    private readonly pods: Reflector,
    private readonly log: (line: string) => void,
  ) {
    this.sync = new SerialTask(
      () => this.pass(),
      (error) => {
        log(`jobs: ${describeError(error)}`);
      },
    );
  }

  async stop(): Promise<void> {
    await this.sync.stop();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async pass(): Promise<void> {
    const present = new Set(this.jobs.items().map((object) => identityOf(object)?.uid));
    for (const [uid, timer] of this.timers) {
      if (present.has(uid)) continue;
      clearTimeout(timer);
      this.timers.delete(uid);
    }
    await reconcileEach(this.jobs.items(), 'Job', this.log, (identity, object) =>
      this.reconcile(identity, object),
    );
  }

  private owned(uid: string): JobPod[] {
    const result: JobPod[] = [];
    for (const pod of this.pods.items()) {
      if (controllerOf(pod)?.uid !== uid) continue;
      const owned = jobPod(pod);
      if (owned !== undefined) result.push(owned);
    }
    return result;
  }

  private async reconcile(job: ObjectIdentity, object: JsonObject): Promise<void> {
    const where = `job ${job.key}`;
    const plan = planJob({
      job: object,
      pods: this.owned(job.uid),
      removedByController: this.removed,
      now: Date.now(),
    });
    for (const { pod, why } of plan.remove) {
      this.removed.add(pod.uid);
      try {
        this.pods.forget(await this.api.delete(podPath(job.namespace, pod.name), pod.uid));
        this.log(`${where}: deleted pod ${pod.name} (${why})`);
      } catch (error) {
        if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
      }
    }
    const template = objectAt(object, 'spec', 'template') ?? {};
    for (const index of plan.create) {
      const created = await this.api.create(
        podsPath(job.namespace),
        jobPodFor(job, template, index),
      );
      this.pods.observe(created);
      this.log(`${where}: created pod ${identityOf(created)?.name ?? '?'}`);
    }
    this.schedule(job.uid, plan.wakeAt);
    const current = this.jobs.get(job.key);
    if (current === undefined || identityOf(current)?.uid !== job.uid) return;
    await writeStatus(
      this.api,
      this.jobs,
      jobPath(job.namespace, job.name),
      objectAt(current, 'status') ?? {},
      plan.status,
    );
  }

  private schedule(uid: string, at: number | undefined): void {
    const previous = this.timers.get(uid);
    if (previous !== undefined) clearTimeout(previous);
    this.timers.delete(uid);
    if (at === undefined) return;
    this.timers.set(
      uid,
      setTimeout(
        () => {
          this.timers.delete(uid);
          this.sync.trigger();
        },
        Math.max(0, at - Date.now()) + 50,
      ),
    );
  }
}

/** A pod of the Job's template; `index` for Indexed Jobs. */
function jobPodFor(
  job: ObjectIdentity,
  template: JsonObject,
  index: number | undefined,
): JsonObject {
  const owner = { apiVersion: 'batch/v1', kind: 'Job', object: job };
  if (index === undefined) return podFromTemplate(template, `${job.name}-${randomSuffix()}`, owner);
  const value = String(index);
  const pod = podFromTemplate(template, `${job.name}-${value}-${randomSuffix()}`, owner, {
    labels: { [COMPLETION_INDEX]: value },
    annotations: { [COMPLETION_INDEX]: value },
  });
  const spec = objectAt(pod, 'spec') ?? {};
  const indexEnv = {
    name: 'JOB_COMPLETION_INDEX',
    valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } },
  };
  pod['spec'] = {
    ...spec,
    hostname: `${job.name}-${value}`,
    containers: objectsAt(spec, 'containers').map((container) => ({
      ...container,
      env: [
        ...objectsAt(container, 'env').filter(
          (entry) => stringAt(entry, 'name') !== 'JOB_COMPLETION_INDEX',
        ),
        indexEnv,
      ],
    })),
  };
  return pod;
}
