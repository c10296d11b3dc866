/**
 * The InferenceService controller's shell: reads the caches, analyses a running canary by
 * reading its pods, asks `planInferenceService`, applies the Deployments, Services and
 * HTTPRoute it names and deletes what it no longer wants; the summarize step writes the
 * status and records an event for every rollout transition.
 *
 * Its finalizer gives back the fields it set on a named HTTPRoute when the service goes.
 *
 * All rollout state lives in the status (version, step, when the step started), so an
 * operator that restarts mid-rollout resumes where the last one was.
 */

import type { KubernetesObject, V1Deployment, V1Service } from '@kubernetes/client-node';
import {
  canaryAnalysis,
  Labels,
  withDefaults,
  type InferenceService,
  type ModelVersion,
} from '../../api/index.js';
import { isNotFound } from '../../runtime/client.js';
import { objectKey, parseObjectKey } from '../../runtime/key.js';
import {
  labelKeys,
  ownerKeys,
  type ControllerDefinition,
  type Selection,
} from '../../runtime/manager.js';
import type { Logger } from '../../runtime/logger.js';
import { BuiltinResources } from '../../runtime/resource.js';
import { applyIfChanged } from '../../runtime/status.js';
import type { ControllerContext } from '../context.js';
import { reconcileFinalized } from '../finalized.js';
import { FerryResources } from '../resources.js';
import { analyseCanary, type StepBaseline, type Verdict } from './analysis.js';
import { planInferenceService, type InferenceServicePlan, type WorkloadObject } from './plan.js';
import { scrapeTrack } from './scrape.js';
import { INFERENCE_SERVICE_LABEL, ServingPods, type ServingPod } from '../serving-pods.js';
import {
  deploymentName,
  desiredHttpRoute,
  loadBalancerAddress,
  MODEL_VERSION_LABEL,
  type Track,
} from './workloads.js';

export interface InferenceServiceControllerOptions {
  /** Image that runs `ferry serve`. */
  image: string;
  workers?: number;
}

type Stored<T> = T & KubernetesObject;

/** The Deployments and Services Ferry made for InferenceServices. */
const ServingObjects: Selection = { labelSelector: INFERENCE_SERVICE_LABEL };

export function inferenceServiceController(
  context: ControllerContext,
  options: InferenceServiceControllerOptions,
): ControllerDefinition {
  const { manager, client, clock, fieldManager } = context;
  const services = manager.informer<Stored<InferenceService>>(FerryResources.inferenceService);
  const modelVersions = manager.informer<Stored<ModelVersion>>(FerryResources.modelVersion);
  const deployments = manager.informer<V1Deployment>(BuiltinResources.deployment, ServingObjects);
  const pods = manager.informer<ServingPod>(BuiltinResources.pod, ServingPods);
  const kubeServices = manager.informer<V1Service>(BuiltinResources.service, ServingObjects);

  /**
   * The pods of `track` that serve `version` (any version when undefined): a track's pods of
   * an earlier version, not yet deleted by the garbage collector, are not this one's readings.
   */
  function podsOf(service: InferenceService, track: Track, version?: string): ServingPod[] {
    return pods.list(service.metadata.namespace).filter((pod) => {
      const labels = pod.metadata?.labels ?? {};
      return (
        labels[INFERENCE_SERVICE_LABEL] === service.metadata.name &&
        labels[Labels.track] === track &&
        (version === undefined || labels[MODEL_VERSION_LABEL] === version)
      );
    });
  }

  /**
   * The verdict on the canary step in flight (undefined when there is none to judge), and
   * the step's baseline when this reading is its first.
   */
  async function analyse(
    service: InferenceService,
    versions: ReadonlyMap<string, ModelVersion>,
    log: Logger,
  ): Promise<{ verdict: Verdict; baseline?: StepBaseline } | undefined> {
    const canaryVersion = service.status?.canaryVersion;
    if (canaryVersion === undefined || canaryVersion !== service.spec.modelVersion)
      return undefined;
    const model = versions.get(canaryVersion)?.spec.model;
    if (model === undefined) return undefined;
    const [canary, stable] = await Promise.all([
      scrapeTrack(podsOf(service, 'canary', canaryVersion), model),
      scrapeTrack(podsOf(service, 'stable', service.status?.stableVersion), model),
    ]);
    const bounds = withDefaults(canaryAnalysis, service.spec.rollout?.analysis ?? {});
    const analysis = analyseCanary(
      canary,
      stable,
      {
        maxErrorRate: bounds.maxErrorRate ?? 0,
        maxP99LatencyMs: bounds.maxP99LatencyMs ?? 0,
        maxPredictionDrift: bounds.maxPredictionDrift ?? 0,
        minRequests: bounds.minRequests ?? 0,
      },
      {
        stepStartTime: service.status?.stepStartTime ?? '',
        baseline: service.status?.stepBaseline,
      },
    );
    const { verdict } = analysis;
    log.info(
      {
        canary: canaryVersion,
        verdict: verdict.verdict,
        figures: verdict.message,
        pods: { canary: canary.samples.length, stable: stable.samples.length },
        ...(canary.unreachable.length + stable.unreachable.length === 0
          ? {}
          : { unreachable: [...canary.unreachable, ...stable.unreachable] }),
      },
      'canary analysed',
    );
    return analysis;
  }

  /** Applies `object` unless its cached copy already holds it (HTTPRoutes are not cached). */
  async function applyObject(object: WorkloadObject): Promise<void> {
    const namespace = object.metadata?.namespace ?? 'default';
    const name = object.metadata?.name ?? '';
    const current =
      object.kind === 'Deployment'
        ? deployments.get(namespace, name)
        : object.kind === 'Service'
          ? kubeServices.get(namespace, name)
          : undefined;
    await applyIfChanged(client, object, current, fieldManager, Labels.appliedHash);
  }

  /**
   * Gives back the HTTPRoute fields this service set, through an empty server-side apply:
   * the route's backends go with the Services they named, the rest stays its owner's. The
   * Deployments and Services go with the service, through their ownerReferences.
   */
  async function cleanup(service: Stored<InferenceService>): Promise<void> {
    const route = service.spec.traffic?.httpRouteRef?.name;
    if (route === undefined) return;
    const { spec: _rules, ...released } = desiredHttpRoute(service, 0);
    try {
      await client.apply(released, fieldManager);
    } catch (error) {
      // A route that is gone, or a Gateway API that is not installed, holds nothing of ours.
      if (!isNotFound(error)) throw error;
    }
  }

  async function apply(
    service: Stored<InferenceService>,
    log: Logger,
  ): Promise<InferenceServicePlan> {
    const namespace = service.metadata.namespace ?? 'default';
    const versions = new Map(
      modelVersions
        .list(namespace)
        .map((modelVersion): [string, ModelVersion] => [
          modelVersion.metadata.name ?? '',
          modelVersion,
        ]),
    );
    const plan = planInferenceService({
      service,
      modelVersions: versions,
      deployments: {
        stable: deployments.get(namespace, deploymentName(service, 'stable')),
        canary: deployments.get(namespace, deploymentName(service, 'canary')),
      },
      ...(await analyse(service, versions, log)),
      image: options.image,
      serviceAddress: loadBalancerAddress(kubeServices.get(namespace, service.metadata.name ?? '')),
      nowMs: clock.now(),
    });
    for (const object of plan.apply) await applyObject(object);
    for (const track of plan.remove) {
      await client.delete(BuiltinResources.deployment, namespace, deploymentName(service, track));
    }
    return plan;
  }

  function servicesNaming(modelVersion: KubernetesObject): string[] {
    const name = modelVersion.metadata?.name;
    return services
      .list(modelVersion.metadata?.namespace)
      .filter(
        (service) =>
          service.spec.modelVersion === name ||
          service.status?.stableVersion === name ||
          service.status?.canaryVersion === name,
      )
      .map((service) =>
        objectKey({ namespace: service.metadata.namespace, name: service.metadata.name ?? '' }),
      );
  }

  return {
    name: 'inferenceservice',
    primary: FerryResources.inferenceService,
    workers: options.workers ?? 4,
    watches: [
      {
        resource: BuiltinResources.deployment,
        selection: ServingObjects,
        keys: ownerKeys('InferenceService'),
      },
      {
        // The address a load balancer gives the Service becomes the service's URL.
        resource: BuiltinResources.service,
        selection: ServingObjects,
        keys: ownerKeys('InferenceService'),
      },
      {
        // A model server becoming ready changes what the analysis can read.
        resource: BuiltinResources.pod,
        selection: ServingPods,
        keys: labelKeys(INFERENCE_SERVICE_LABEL),
      },
      {
        // A version being validated or rejected decides whether a rollout may start.
        resource: FerryResources.modelVersion,
        keys: servicesNaming,
      },
    ],
    async reconcile(key, { log }) {
      const { namespace, name } = parseObjectKey(key);
      const service = services.get(namespace, name);
      if (service === undefined) return {};
      return reconcileFinalized(context, FerryResources.inferenceService, service, {
        apply: (current) => apply(current, log),
        cleanup,
      });
    },
  };
}
