import { describe, expect, it } from 'vitest';
import type { InferenceService, ModelVersion } from '../../../operator/src/api/index.js';
import {
  desiredDeployment,
  desiredHttpRoute,
  desiredService,
  replicaSplit,
  serviceUrl,
} from '../../../operator/src/controllers/inference-service/workloads.js';

function service(spec: Partial<InferenceService['spec']> = {}): InferenceService {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'InferenceService',
    metadata: { name: 'iris', namespace: 'ml', uid: 'uid-is' },
    spec: { modelVersion: 'iris-v2', replicas: 4, ...spec },
  };
}

const MODEL: ModelVersion = {
  apiVersion: 'ml.ferry.dev/v1alpha1',
  kind: 'ModelVersion',
  metadata: { name: 'iris-v2', namespace: 'ml' },
  spec: {
    model: 'iris',
    version: '2',
    artifact: { uri: 'pvc://ferry-models/iris/v2/model.onnx', sha256: 'a'.repeat(64) },
  },
};

describe('replicaSplit', () => {
  it.each([
    [4, 0, undefined, { stable: 4, canary: 0 }],
    [4, 10, undefined, { stable: 3, canary: 1 }],
    [4, 50, undefined, { stable: 2, canary: 2 }],
    [1, 10, undefined, { stable: 1, canary: 1 }],
    [4, 100, undefined, { stable: 0, canary: 4 }],
    [4, 10, 'iris-route', { stable: 4, canary: 1 }],
  ])('%d replicas at %d%% (route %s)', (replicas, weight, route, expected) => {
    const svc = service({
      replicas,
      ...(route === undefined ? {} : { traffic: { httpRouteRef: { name: route } } }),
    });
    expect(replicaSplit(svc, weight)).toEqual(expected);
  });
});

describe('desiredDeployment', () => {
  const deployment = desiredDeployment(
    service({ batching: { maxBatchSize: 16, maxBatchDelayMs: 2 } }),
    'canary',
    MODEL,
    1,
    {
      image: 'ghcr.io/ferry-ml/ferry:0.1.0',
    },
  );
  const pod = deployment.spec?.template.spec;
  const container = pod?.containers[0];

  it('runs ferry serve on the verified artifact, from its claim', () => {
    expect(container?.args).toEqual([
      'serve',
      '--model',
      '/var/run/ferry/claims/ferry-models/iris/v2/model.onnx',
      '--sha256',
      'a'.repeat(64),
      '--name',
      'iris',
      '--version',
      '2',
      '--host',
      '0.0.0.0',
      '--port',
      '8080',
      '--max-batch-size',
      '16',
      '--max-batch-delay-ms',
      '2',
      '--max-queue',
      '256',
    ]);
    expect(pod?.volumes).toEqual([
      { name: 'model', persistentVolumeClaim: { claimName: 'ferry-models', readOnly: true } },
    ]);
    expect(container?.volumeMounts).toEqual([
      { name: 'model', mountPath: '/var/run/ferry/claims/ferry-models', readOnly: true },
    ]);
  });

  it('is named and labelled by service and track, and owned by the InferenceService', () => {
    expect(deployment.metadata).toMatchObject({
      name: 'iris-canary',
      namespace: 'ml',
      labels: {
        'ferry.dev/inference-service': 'iris',
        'ferry.dev/track': 'canary',
        'ferry.dev/model-version': 'iris-v2',
      },
      ownerReferences: [
        { kind: 'InferenceService', name: 'iris', uid: 'uid-is', controller: true },
      ],
    });
    expect(deployment.spec?.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'ferry-serve',
      'ferry.dev/inference-service': 'iris',
      'ferry.dev/track': 'canary',
    });
  });

  it('probes the Open Inference Protocol health endpoints', () => {
    expect(container?.readinessProbe?.httpGet?.path).toBe('/v2/health/ready');
    expect(container?.livenessProbe?.httpGet?.path).toBe('/v2/health/live');
  });

  it('keeps a stopping server answering for 5 s, while Services stop routing to it', () => {
    expect(container?.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
  });

  it("caps V8's young generation and lets the server collect garbage once idle", () => {
    expect(container?.env).toEqual([
      { name: 'NODE_OPTIONS', value: '--max-semi-space-size=4 --expose-gc' },
    ]);
  });

  it('meets the restricted Pod Security Standard', () => {
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });
});

describe('desiredService', () => {
  it('selects both tracks and exposes port 80', () => {
    expect(desiredService(service()).spec).toEqual({
      selector: { 'app.kubernetes.io/name': 'ferry-serve', 'ferry.dev/inference-service': 'iris' },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    });
    expect(serviceUrl(service(), 'iris')).toBe('http://iris.ml.svc/v2/models/iris');
  });

  it.each(['stable', 'canary'] as const)('over the %s track only, as <name>-<track>', (track) => {
    const selector = {
      'app.kubernetes.io/name': 'ferry-serve',
      'ferry.dev/inference-service': 'iris',
      'ferry.dev/track': track,
    };
    expect(desiredService(service(), track)).toMatchObject({
      kind: 'Service',
      metadata: {
        name: `iris-${track}`,
        namespace: 'ml',
        labels: selector,
        ownerReferences: [{ kind: 'InferenceService', name: 'iris', uid: 'uid-is' }],
      },
      spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
  });
});

describe('desiredHttpRoute', () => {
  const backend = (name: string, weight: number) => ({
    group: '',
    kind: 'Service',
    name,
    port: 80,
    weight,
  });

  it.each([
    [0, 100],
    [25, 75],
    [100, 0],
  ])('gives the canary Service %d%% and the stable one %d%%', (canary, stable) => {
    const svc = service({ traffic: { httpRouteRef: { name: 'iris-route' } } });
    expect(desiredHttpRoute(svc, canary)).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'iris-route', namespace: 'ml' },
      spec: {
        rules: [{ backendRefs: [backend('iris-stable', stable), backend('iris-canary', canary)] }],
      },
    });
  });
});
