import { describe, expect, it } from 'vitest';
import {
  desiredHeadlessService,
  desiredJob,
  type JobInputs,
} from '../../../operator/src/controllers/training-job/job.js';
import { trainingJob } from './fixtures.js';

/** The inputs of run 3, which writes to `<output>/iris-logreg-3`. */
function inputs(
  spec: Parameters<typeof trainingJob>[0] = {},
  outputDirectoryUri = 'pvc://ferry-models/iris/iris-logreg-3',
): JobInputs {
  return {
    trainingJob: trainingJob(spec),
    run: {
      id: 3,
      trigger: 'SpecChange',
      generation: 2,
      request: 'again',
      phase: 'Pending',
    },
    dataset: {
      uri: 'pvc://ferry-data/iris.csv',
      digest: 'sha256:9cc1c345c71bcc9b486b74cbf6063fa66f4bb5e0f603a4b3c3471ec2e5e8e355',
      split: { train: 0.7, validation: 0.15, test: 0.15, seed: 7 },
    },
    outputDirectoryUri,
  };
}

function envOf(job: ReturnType<typeof desiredJob>): Record<string, unknown> {
  const container = job.spec?.template.spec?.containers[0];
  return Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
}

describe('desiredJob', () => {
  it('injects the training contract environment', () => {
    const job = desiredJob(inputs({ hyperparameters: { C: 0.5, solver: 'lbfgs' } }));
    expect(envOf(job)).toEqual({
      FERRY_MODEL_NAME: 'iris',
      FERRY_TRAINING_JOB: 'iris-logreg',
      FERRY_TRAINING_RUN: '3',
      FERRY_DATASET_URI: 'file:///var/run/ferry/claims/ferry-data/iris.csv',
      FERRY_DATASET_DIGEST:
        'sha256:9cc1c345c71bcc9b486b74cbf6063fa66f4bb5e0f603a4b3c3471ec2e5e8e355',
      FERRY_DATASET_SPLIT: '{"train":0.7,"validation":0.15,"test":0.15,"seed":7}',
      FERRY_HYPERPARAMETERS: '{"C":0.5,"solver":"lbfgs"}',
      FERRY_OUTPUT_DIR: '/var/run/ferry/claims/ferry-models/iris/iris-logreg-3',
      FERRY_RESULT_PATH: '/dev/termination-log',
    });
  });

  it('mounts the data claim read-only and the output claim read-write', () => {
    const pod = desiredJob(inputs()).spec?.template.spec;
    expect(pod?.volumes).toEqual([
      {
        name: 'claim-ferry-data',
        persistentVolumeClaim: { claimName: 'ferry-data', readOnly: true },
      },
      {
        name: 'claim-ferry-models',
        persistentVolumeClaim: { claimName: 'ferry-models', readOnly: false },
      },
    ]);
    expect(pod?.containers[0]?.volumeMounts).toEqual([
      { name: 'claim-ferry-data', mountPath: '/var/run/ferry/claims/ferry-data', readOnly: true },
      {
        name: 'claim-ferry-models',
        mountPath: '/var/run/ferry/claims/ferry-models',
        readOnly: false,
      },
    ]);
  });

  it('requests GPUs with the product node selector and the nvidia.com/gpu toleration', () => {
    const job = desiredJob(
      inputs({
        resources: { gpus: 2, gpuProduct: 'NVIDIA-A100-SXM4-80GB', cpu: '4', memory: '16Gi' },
      }),
    );
    const pod = job.spec?.template.spec;
    expect(pod?.containers[0]?.resources).toEqual({
      requests: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '2' },
      limits: { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '2' },
    });
    expect(pod?.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' });
    expect(pod?.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
    ]);
  });

  it('asks for no GPU scheduling when the job needs none', () => {
    const pod = desiredJob(inputs({ resources: { cpu: '500m' } })).spec?.template.spec;
    expect(pod?.tolerations).toBeUndefined();
    expect(pod?.nodeSelector).toBeUndefined();
    expect(pod?.containers[0]?.resources?.limits).toEqual({ cpu: '500m' });
  });

  it('meets the restricted Pod Security Standard', () => {
    const pod = desiredJob(inputs()).spec?.template.spec;
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod?.containers[0]?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: false,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.restartPolicy).toBe('Never');
  });

  it('reports through the termination message and carries retries and deadline', () => {
    const job = desiredJob(inputs({ backoffLimit: 3, activeDeadline: '1h30m' }));
    expect(job.spec?.backoffLimit).toBe(3);
    expect(job.spec?.activeDeadlineSeconds).toBe(5400);
    expect(job.spec?.template.spec?.containers[0]).toMatchObject({
      name: 'trainer',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    });
  });

  it('is named after its run, owned by its TrainingJob and labelled with both', () => {
    const job = desiredJob(inputs());
    expect(job.metadata).toMatchObject({
      name: 'iris-logreg-3',
      namespace: 'ml',
      labels: {
        'ferry.dev/training-job': 'iris-logreg',
        'ferry.dev/training-run': 'iris-logreg-3',
        'ferry.dev/model': 'iris',
      },
      annotations: {
        'ferry.dev/training-run-request':
          '{"trigger":"SpecChange","generation":2,"request":"again"}',
      },
      ownerReferences: [
        {
          apiVersion: 'ml.ferry.dev/v1alpha1',
          kind: 'TrainingJob',
          name: 'iris-logreg',
          uid: 'uid-1234',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
  });

  it('hands admission to Kueue: labelled with the queue and created suspended', () => {
    const job = desiredJob(inputs({ queue: 'team-a' }));
    expect(job.spec?.suspend).toBe(true);
    expect(job.metadata?.labels?.['kueue.x-k8s.io/queue-name']).toBe('team-a');
    expect(desiredJob(inputs()).spec?.suspend).toBeUndefined();
  });

  it('keeps user env but never lets it override the contract', () => {
    const job = desiredJob(
      inputs({
        env: [
          { name: 'LOG_LEVEL', value: 'debug' },
          { name: 'FERRY_OUTPUT_DIR', value: '/tmp' },
        ],
      }),
    );
    const env = envOf(job);
    expect(env.LOG_LEVEL).toBe('debug');
    expect(env.FERRY_OUTPUT_DIR).toBe('/var/run/ferry/claims/ferry-models/iris/iris-logreg-3');
  });

  it('passes file:// and http(s):// data through unchanged, with no claim', () => {
    const job = desiredJob({
      ...inputs({}, 'file:///srv/models/iris-logreg-3'),
      dataset: { uri: 'https://data.example/iris.csv', digest: 'sha256:00', split: {} },
    });
    const env = envOf(job);
    expect(env.FERRY_DATASET_URI).toBe('https://data.example/iris.csv');
    expect(env.FERRY_OUTPUT_DIR).toBe('/srv/models/iris-logreg-3');
    expect(env.FERRY_DATASET_SPLIT).toBe('{"train":0.8,"validation":0.1,"test":0.1,"seed":0}');
    expect(job.spec?.template.spec?.volumes).toBeUndefined();
  });
});

describe('distributed training', () => {
  const spec = {
    distributed: { workers: 4, processesPerWorker: 2, masterPort: 23456 },
    resources: { gpus: 2 },
  };

  it('runs an Indexed Job, one pod per worker, on the headless Service subdomain', () => {
    const job = desiredJob(inputs(spec));
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4 });
    expect(job.spec?.template.spec?.subdomain).toBe('iris-logreg-3-workers');
  });

  it("sets Kubeflow's rendezvous variables, RANK from the completion index", () => {
    const index = {
      fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
    };
    expect(envOf(desiredJob(inputs(spec)))).toMatchObject({
      MASTER_ADDR: 'iris-logreg-3-0.iris-logreg-3-workers',
      MASTER_PORT: '23456',
      WORLD_SIZE: '8',
      RANK: index,
      PET_NNODES: '4',
      PET_NPROC_PER_NODE: '2',
      PET_NODE_RANK: index,
    });
  });

  it('creates a headless Service that publishes workers before they are ready', () => {
    expect(desiredHeadlessService(trainingJob(spec), 'iris-logreg-3')).toMatchObject({
      metadata: { name: 'iris-logreg-3-workers', namespace: 'ml' },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: { 'ferry.dev/training-run': 'iris-logreg-3' },
        ports: [{ name: 'rendezvous', port: 23456, targetPort: 23456 }],
      },
    });
    expect(desiredHeadlessService(trainingJob(), 'iris-logreg-3')).toBeUndefined();
  });
});
