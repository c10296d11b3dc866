/**
 * Ferry's own objects in a devcluster, as the operator tests create, read and wait for
 * them: a cluster with the CRDs, the iris fixtures, and small readers over the API.
 */
import { join } from 'node:path';
import {
  FERRY_IMAGE_REPOSITORY,
  type Condition,
  type ModelVersion,
  type TrainingJob,
} from '../../operator/src/api/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import {
  apiVersionOf,
  collectionPath,
  type Resource,
} from '../../operator/src/runtime/resource.js';
import { eventually, REPO, startCluster, type TestCluster } from './cluster.js';
import { apiOf, type Api } from './kubelet.js';
import { writeKubeconfig } from './operator-process.js';

export const NS = 'default';
/** The iris example's data directory, claimed by the operator as `ferry-data`. */
export const IRIS_DATA = join(REPO, 'examples', 'iris', 'data');
/** sha256 of the committed iris model, examples/iris/models/v1/model.onnx. */
export const IRIS_V1_SHA = '9d824ae4eb7a6bfd61e8a857f9442f027d13ee9992b58182793b51b30e229f2e';

/** How the local runner plays Ferry's image: the `ferry` CLI built in dist/. */
export const FERRY_IMAGE = {
  image: FERRY_IMAGE_REPOSITORY,
  command: [process.execPath, join(REPO, 'dist', 'cli', 'main.js')],
};

/** An object as the API server holds it. */
export type Stored<T> = T & { metadata: object };

export interface FerryCluster {
  cluster: TestCluster;
  /** Plain HTTP to the API server, as kubectl or the kubelet would write. */
  api: Api;
  /** A kubeconfig file for `ferry operator`. */
  kubeconfig: string;
}

/** A devcluster with Ferry's CRDs applied, ready for a `ferry operator` process. */
export async function startFerryCluster(): Promise<FerryCluster> {
  const cluster = await startCluster({ crds: true });
  return {
    cluster,
    api: apiOf(cluster.devcluster.url),
    kubeconfig: await writeKubeconfig(cluster),
  };
}

/** Creates a Ferry object of `resource` in {@link NS}. */
export async function createFerry(
  api: Api,
  resource: Resource,
  metadata: { name: string; labels?: Record<string, string> },
  spec: object,
): Promise<void> {
  await api.request('POST', collectionPath(resource, NS), {
    apiVersion: apiVersionOf(resource),
    kind: resource.kind,
    metadata,
    spec,
  });
}

/**
 * Registers `iris-v1`, the example's first model, whose artifact is
 * `examples/iris/models/v1/model.onnx` under a claim `ferry-models` of `examples/iris/models`.
 */
export async function registerIrisV1(api: Api): Promise<void> {
  await createFerry(
    api,
    FerryResources.modelVersion,
    { name: 'iris-v1' },
    {
      model: 'iris',
      version: '1',
      artifact: { uri: 'pvc://ferry-models/v1/model.onnx', sha256: IRIS_V1_SHA },
      metrics: { accuracy: 0.97 },
    },
  );
}

/** Submits a TrainingJob on the iris Dataset; `spec` adds to or overrides the defaults. */
export async function submitTrainingJob(
  api: Api,
  name: string,
  spec: Record<string, unknown> = {},
  labels: Record<string, string> = {},
): Promise<void> {
  await createFerry(
    api,
    FerryResources.trainingJob,
    { name, labels },
    { datasetRef: { name: 'iris' }, model: 'iris', image: 'trainer:1', ...spec },
  );
}

/** The object `name` of `resource` in {@link NS}, or undefined when there is none. */
export function getFerry<T>(
  cluster: TestCluster,
  resource: Resource,
  name: string,
): Promise<Stored<T> | undefined> {
  return cluster.client.get<Stored<T>>(resource, NS, name);
}

/** Polls the object until it exists and `accept` holds, and returns it; a timeout shows its last status. */
export async function ferryWhen<T extends { status?: unknown }>(
  cluster: TestCluster,
  resource: Resource,
  name: string,
  accept: (current: Stored<T>) => boolean,
  timeoutMs: number,
  what: string,
): Promise<Stored<T>> {
  let last: Stored<T> | undefined;
  try {
    return await eventually(
      async () => {
        last = await getFerry<T>(cluster, resource, name);
        return last !== undefined && accept(last) ? last : undefined;
      },
      timeoutMs,
      what,
    );
  } catch (error) {
    throw new Error(`${String(error)}; last status: ${JSON.stringify(last?.status)}`);
  }
}

/** Waits until TrainingJob `name` is in `phase`, and returns it. */
export function trainingJobIn(
  cluster: TestCluster,
  name: string,
  phase: NonNullable<TrainingJob['status']>['phase'],
  timeoutMs = 10_000,
): Promise<Stored<TrainingJob>> {
  return ferryWhen<TrainingJob>(
    cluster,
    FerryResources.trainingJob,
    name,
    (current) => current.status?.phase === phase,
    timeoutMs,
    `${name} ${String(phase)}`,
  );
}

/** Waits until ModelVersion `name` is Validated=True (its artifact verified), and returns it. */
export function modelVersionValidated(
  cluster: TestCluster,
  name: string,
  timeoutMs = 30_000,
): Promise<Stored<ModelVersion>> {
  return ferryWhen<ModelVersion>(
    cluster,
    FerryResources.modelVersion,
    name,
    (current) => findCondition(current, 'Validated')?.status === 'True',
    timeoutMs,
    `${name} validated`,
  );
}

/** Registers Gateway API's HTTPRoute as its CRD would (schema left open). */
export async function installHttpRouteKind(api: Api): Promise<void> {
  await api.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'httproutes.gateway.networking.k8s.io' },
    spec: {
      group: 'gateway.networking.k8s.io',
      scope: 'Namespaced',
      names: {
        plural: 'httproutes',
        singular: 'httproute',
        kind: 'HTTPRoute',
        listKind: 'HTTPRouteList',
      },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            },
          },
        },
      ],
    },
  });
}

/** The condition `type` of an object, if it has one. */
export function findCondition(
  object: { status?: { conditions?: Condition[] } } | undefined,
  type: string,
): Condition | undefined {
  return object?.status?.conditions?.find((condition) => condition.type === type);
}

/** Events in {@link NS}, as events.k8s.io/v1 lists them. */
export async function listEvents(
  api: Api,
): Promise<{ reason?: string; note?: string; regarding?: { kind?: string; name?: string } }[]> {
  const events = (await api.request('GET', `/apis/events.k8s.io/v1/namespaces/${NS}/events`)) as {
    items: { reason?: string; note?: string; regarding?: { kind?: string; name?: string } }[];
  };
  return events.items;
}

/** The operator's leader-election Lease. */
export async function operatorLease(
  api: Api,
): Promise<{ spec: { holderIdentity?: string; leaseTransitions?: number } }> {
  return (await api.request(
    'GET',
    `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/ferry-operator`,
  )) as { spec: { holderIdentity?: string; leaseTransitions?: number } };
}
