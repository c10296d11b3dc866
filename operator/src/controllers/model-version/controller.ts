/**
 * The ModelVersion controller's shell: validates each generation's artifact once (through
 * an injected inspector, which the operator runs in a child process), writes the status
 * `planModelVersion` computes, and holds a finalizer that refuses to let a version go
 * while an InferenceService serves it or names it.
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import { type InferenceService, type ModelVersion } from '../../api/index.js';
import { WaitingError } from '../../runtime/errors.js';
import { objectKey, parseObjectKey } from '../../runtime/key.js';
import type { ControllerDefinition } from '../../runtime/manager.js';
import type { ControllerContext } from '../context.js';
import { reconcileFinalized } from '../finalized.js';
import { FerryResources } from '../resources.js';
import { validationOfThisGeneration } from '../validation.js';
import {
  planModelVersion,
  servingServices,
  type ArtifactCheck,
  type ModelVersionPlan,
} from './plan.js';

export interface ModelVersionControllerOptions {
  /** Verifies the artifact's digest, loads it, and reads its signature. */
  inspect: (artifact: { uri: string; sha256: string }) => Promise<ArtifactCheck>;
  workers?: number;
}

const BLOCKED_RECHECK_MS = 30_000;
const UNREACHABLE_RECHECK_MS = 30_000;

type Stored<T> = T & KubernetesObject;

export function modelVersionController(
  context: ControllerContext,
  options: ModelVersionControllerOptions,
): ControllerDefinition {
  const { manager, clock } = context;
  const modelVersions = manager.informer<Stored<ModelVersion>>(FerryResources.modelVersion);
  const services = manager.informer<Stored<InferenceService>>(FerryResources.inferenceService);

  async function apply(modelVersion: Stored<ModelVersion>): Promise<ModelVersionPlan> {
    const inNamespace = services.list(modelVersion.metadata.namespace);
    // Each generation's artifact is read once, to a conclusion.
    const artifact =
      validationOfThisGeneration(modelVersion) !== undefined
        ? undefined
        : await options.inspect(modelVersion.spec.artifact);
    const plan = planModelVersion({
      modelVersion,
      artifact,
      services: inNamespace,
      nowMs: clock.now(),
    });
    // An artifact that could not be read is read again; a verdict is final for its generation.
    const unread = plan.summary.conditions?.Validated?.status === 'Unknown';
    return unread ? { ...plan, requeueAfterMs: UNREACHABLE_RECHECK_MS } : plan;
  }

  /** Refuses to let the version go while a service serves or names it. */
  function cleanup(modelVersion: Stored<ModelVersion>): Promise<void> {
    const name = modelVersion.metadata.name ?? '';
    const inNamespace = services.list(modelVersion.metadata.namespace);
    const holders = [
      ...new Set([
        ...servingServices(name, inNamespace),
        ...inNamespace
          .filter((service) => service.spec.modelVersion === name)
          .map((service) => service.metadata.name ?? ''),
      ]),
    ].sort();
    if (holders.length === 0) return Promise.resolve();
    return Promise.reject(
      new WaitingError(
        `InferenceService ${holders.join(', ')} serves or names this version; point its spec.modelVersion elsewhere before deleting it`,
        { reason: 'DeletionBlocked', requeueAfterMs: BLOCKED_RECHECK_MS },
      ),
    );
  }

  return {
    name: 'modelversion',
    primary: FerryResources.modelVersion,
    workers: options.workers ?? 2,
    watches: [
      {
        // A service that starts, stops or rolls back serving a version changes its stage.
        resource: FerryResources.inferenceService,
        keys: (object) => {
          const service = object as Stored<InferenceService>;
          const named = [
            service.spec.modelVersion,
            service.status?.stableVersion,
            service.status?.canaryVersion,
            service.status?.lastRollback?.version,
          ];
          return [...new Set(named.filter((name): name is string => name !== undefined))].map(
            (name) => objectKey({ namespace: service.metadata.namespace, name }),
          );
        },
      },
    ],
    async reconcile(key) {
      const { namespace, name } = parseObjectKey(key);
      const modelVersion = modelVersions.get(namespace, name);
      if (modelVersion === undefined) return {};
      return reconcileFinalized(
        context,
        FerryResources.modelVersion,
        modelVersion,
        { apply, cleanup },
        // The promotion controller owns status.promotion.
        { ownFields: ({ promotion: _promotion, ...own }) => own },
      );
    },
  };
}
