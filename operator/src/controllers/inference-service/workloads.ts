/**
 * The objects that serve an InferenceService: `<name>-stable` and `<name>-canary`
 * Deployments running `ferry serve`, and one Service over both tracks. Pure.
 *
 * Traffic follows the replica ratio unless `spec.traffic.httpRouteRef` names a Gateway API
 * HTTPRoute. With the replica ratio a canary at weight w gets ceil(R × w / 100) of the R
 * replicas (at least one) and stable keeps the rest (at least one), so the split seen by
 * clients is canary / (stable + canary). With an HTTPRoute, stable keeps all R replicas and
 * the route's backend weights carry the split.
 */

import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import { Labels, type InferenceService, type ModelVersion } from '../../api/index.js';
import { ownedMetadata } from '../owner.js';
import {
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from '../pod-security.js';
import { containerPath } from '../claims.js';
import { INFERENCE_SERVICE_LABEL, SERVE_PORT } from '../serving-pods.js';
import { MODEL_SERVER_NODE_OPTIONS } from '../../serving/node-options.js';

export const MODEL_VERSION_LABEL = 'ferry.dev/model-version';

export type Track = 'stable' | 'canary';

/**
 * How long a model server's pod waits (a `preStop` sleep) before its server is told to stop:
 * a Service routes to a terminating pod until its endpoints, and every node's proxy, catch
 * up, and a server that closed its listener at once would reset those clients. 5 s covers a
 * kube-proxy sync and leaves 25 s of the default 30 s grace period for `ferry serve` to
 * finish the requests in flight.
 */
export const PRE_STOP_SLEEP_SECONDS = 5;

export interface WorkloadOptions {
  /** Image that runs `ferry serve`. */
  image: string;
}

export function deploymentName(service: InferenceService, track: Track): string {
  return `${service.metadata.name ?? ''}-${track}`;
}

/** Replicas per track for the current canary weight (0 when there is no canary). */
export function replicaSplit(
  service: InferenceService,
  canaryWeight: number,
): Record<Track, number> {
  const total = service.spec.replicas ?? 1;
  if (canaryWeight <= 0) return { stable: total, canary: 0 };
  const canary = Math.max(1, Math.ceil((total * canaryWeight) / 100));
  if (service.spec.traffic?.httpRouteRef !== undefined) return { stable: total, canary };
  if (canaryWeight >= 100) return { stable: 0, canary: Math.max(total, 1) };
  return { stable: Math.max(1, total - canary), canary };
}

function selectorLabels(service: InferenceService, track: Track): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'ferry-serve',
    [INFERENCE_SERVICE_LABEL]: service.metadata.name ?? '',
    [Labels.track]: track,
  };
}

export function desiredDeployment(
  service: InferenceService,
  track: Track,
  modelVersion: ModelVersion,
  replicas: number,
  options: WorkloadOptions,
): V1Deployment {
  const artifact = containerPath(modelVersion.spec.artifact.uri);
  const batching = service.spec.batching ?? {};
  const resources: Record<string, string> = {};
  if (service.spec.resources?.cpu !== undefined) resources.cpu = String(service.spec.resources.cpu);
  if (service.spec.resources?.memory !== undefined)
    resources.memory = String(service.spec.resources.memory);
  const labels = {
    ...selectorLabels(service, track),
    [Labels.model]: modelVersion.spec.model,
    [MODEL_VERSION_LABEL]: modelVersion.metadata.name ?? '',
  };
  const probe = (path: string) => ({
    httpGet: { path, port: 'http' },
    periodSeconds: 5,
    failureThreshold: 3,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: ownedMetadata(service, deploymentName(service, track), labels),
    spec: {
      replicas,
      selector: { matchLabels: selectorLabels(service, track) },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurityContext(false),
          ...(artifact.claim === undefined
            ? {}
            : {
                volumes: [
                  {
                    name: 'model',
                    persistentVolumeClaim: { claimName: artifact.claim, readOnly: true },
                  },
                ],
              }),
          containers: [
            {
              name: 'serve',
              image: options.image,
              args: [
                'serve',
                '--model',
                artifact.claim === undefined ? modelVersion.spec.artifact.uri : artifact.path,
                '--sha256',
                modelVersion.spec.artifact.sha256,
                '--name',
                modelVersion.spec.model,
                '--version',
                modelVersion.spec.version,
                '--host',
                '0.0.0.0',
                '--port',
                String(SERVE_PORT),
                '--max-batch-size',
                String(batching.maxBatchSize ?? 1),
                '--max-batch-delay-ms',
                String(batching.maxBatchDelayMs ?? 0),
                '--max-queue',
                String(batching.maxQueue ?? 256),
              ],
              env: [{ name: 'NODE_OPTIONS', value: MODEL_SERVER_NODE_OPTIONS }],
              ports: [{ name: 'http', containerPort: SERVE_PORT, protocol: 'TCP' }],
              lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_SECONDS } } },
              readinessProbe: probe('/v2/health/ready'),
              livenessProbe: probe('/v2/health/live'),
              ...(Object.keys(resources).length === 0
                ? {}
                : { resources: { requests: resources, limits: resources } }),
              ...(artifact.claim === undefined
                ? {}
                : {
                    volumeMounts: [
                      {
                        name: 'model',
                        mountPath: containerPath(`pvc://${artifact.claim}`).path,
                        readOnly: true,
                      },
                    ],
                  }),
              securityContext: restrictedContainerSecurityContext(true),
            },
          ],
        },
      },
    },
  };
}

/**
 * A Service to the model servers' `http` port on 80: over both tracks (`track` undefined,
 * named after the InferenceService), or over one (`<name>-<track>`, the backends of an
 * HTTPRoute split).
 */
/** The port of the service's Service. */
const SERVICE_PORT = 80;

export function desiredService(service: InferenceService, track?: Track): V1Service {
  const selector: Record<string, string> = {
    'app.kubernetes.io/name': 'ferry-serve',
    [INFERENCE_SERVICE_LABEL]: service.metadata.name ?? '',
    ...(track === undefined ? {} : { [Labels.track]: track }),
  };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMetadata(
      service,
      track === undefined ? (service.metadata.name ?? '') : deploymentName(service, track),
      selector,
    ),
    spec: {
      selector,
      ports: [{ name: 'http', port: SERVICE_PORT, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

/** The Gateway API resource whose backend weights carry the split when one is named. */
export const HTTP_ROUTE_API_VERSION = 'gateway.networking.k8s.io/v1';

/**
 * The part of the named HTTPRoute the operator owns, for server-side apply: one rule whose
 * backends are the per-track Services, weighted `100 - w` and `w`. The route's other fields
 * (parentRefs, hostnames) stay the user's.
 */
export function desiredHttpRoute(
  service: InferenceService,
  canaryWeight: number,
): {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: unknown;
} {
  const backend = (track: Track, weight: number) => ({
    group: '',
    kind: 'Service',
    name: deploymentName(service, track),
    port: SERVICE_PORT,
    weight,
  });
  return {
    apiVersion: HTTP_ROUTE_API_VERSION,
    kind: 'HTTPRoute',
    metadata: {
      name: service.spec.traffic?.httpRouteRef?.name ?? '',
      namespace: service.metadata.namespace ?? 'default',
    },
    spec: {
      rules: [
        {
          backendRefs: [backend('stable', 100 - canaryWeight), backend('canary', canaryWeight)],
        },
      ],
    },
  };
}

/** The Open Inference Protocol address of the service's model. */
/**
 * Where the service answers Open Inference Protocol requests for `model`: at the address a
 * load balancer gave the Service (`host:port`, such as the local runner's loopback proxy),
 * else at the Service's cluster DNS name.
 */
export function serviceUrl(service: InferenceService, model: string, address?: string): string {
  const host =
    address ?? `${service.metadata.name ?? ''}.${service.metadata.namespace ?? 'default'}.svc`;
  return `http://${host}/v2/models/${model}`;
}

/** `ip:port` of a Service's first load-balancer ingress, if it has one. */
export function loadBalancerAddress(service: V1Service | undefined): string | undefined {
  const ingress = service?.status?.loadBalancer?.ingress?.[0];
  const host = ingress?.ip ?? ingress?.hostname;
  if (host === undefined || host === '') return undefined;
  const port = ingress?.ports?.[0]?.port ?? SERVICE_PORT;
  return `${host.includes(':') ? `[${host}]` : host}:${String(port)}`;
}
