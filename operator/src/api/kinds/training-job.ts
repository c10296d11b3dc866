import {
  array,
  duration,
  enumeration,
  integer,
  json,
  map,
  object,
  quantity,
  string,
  timestamp,
  type Infer,
} from '../schema.js';
import {
  conditions,
  localObjectReference,
  metricsMap,
  modelName,
  objectName,
  observedGeneration,
} from '../common.js';
import type { FerryObject } from '../meta.js';
import { ageColumn, type KindDefinition } from '../kind.js';

export const TrainingPhases = [
  'Pending',
  'Queued',
  'Admitted',
  'Running',
  'Succeeded',
  'Failed',
] as const;
export type TrainingPhase = (typeof TrainingPhases)[number];

const envVar = object(
  'An environment variable for the training container.',
  {
    name: string('Variable name.', { pattern: '^[-._a-zA-Z][-._a-zA-Z0-9]*$', maxLength: 253 }),
    value: string('Variable value.'),
  },
  { required: ['name'] },
);

export const trainingJobSpec = object(
  'Desired state of the TrainingJob.',
  {
    datasetRef: localObjectReference('The Dataset to train on.'),
    model: modelName(
      'Name of the model this job trains; its ModelVersions are registered under it.',
    ),
    image: string('Container image that runs the training code.', { minLength: 1 }),
    command: array(
      'Entrypoint of the container. The image default when unset.',
      string('An argument.'),
    ),
    args: array('Arguments to the entrypoint.', string('An argument.')),
    env: array('Extra environment variables, on top of the ones Ferry injects.', envVar, {
      listType: 'map',
      listMapKeys: ['name'],
    }),
    hyperparameters: map(
      'Hyperparameters passed to the training code as JSON in FERRY_HYPERPARAMETERS and recorded in the lineage.',
      json('A hyperparameter value: a number, a string, a boolean, a list or an object.'),
    ),
    resources: object('Compute resources of each worker.', {
      gpus: integer('NVIDIA GPUs per worker (nvidia.com/gpu).', {
        minimum: 0,
        maximum: 64,
        default: 0,
      }),
      gpuProduct: string(
        'GPU product the workers must run on, matched against the nvidia.com/gpu.product node label.',
        { maxLength: 63 },
      ),
      cpu: quantity('CPU request and limit per worker, such as 500m or 4.'),
      memory: quantity('Memory request and limit per worker, such as 2Gi.'),
    }),
    distributed: object(
      'Run as a distributed job: an Indexed Job with one pod per worker and a headless Service for rendezvous.',
      {
        workers: integer('Number of workers (pods). Admission is all or nothing.', {
          minimum: 1,
          maximum: 1024,
        }),
        processesPerWorker: integer('Processes per worker; WORLD_SIZE is workers times this.', {
          minimum: 1,
          maximum: 64,
          default: 1,
        }),
        masterPort: integer('Port of the rendezvous endpoint (MASTER_PORT).', {
          minimum: 1,
          maximum: 65535,
          default: 29500,
        }),
      },
      { required: ['workers'] },
    ),
    queue: string(
      'Kueue LocalQueue to submit to. When set, Kueue admits the job instead of Ferry.',
      { maxLength: 253 },
    ),
    priority: integer('Admission priority; higher goes first, then first come first served.', {
      minimum: -1000,
      maximum: 1000,
      default: 0,
    }),
    backoffLimit: integer('Retries before the job is marked Failed.', {
      minimum: 0,
      maximum: 100,
      default: 2,
    }),
    activeDeadline: duration('Longest the job may run before it is marked Failed.'),
    output: object(
      'Where the training code writes model.onnx (FERRY_OUTPUT_DIR).',
      {
        uri: string('Output location: file:///abs/path or pvc://claim/path.', {
          pattern: '^(file|pvc)://.+$',
        }),
      },
      { required: ['uri'] },
    ),
  },
  { required: ['datasetRef', 'model', 'image'] },
);
export type TrainingJobSpec = Infer<typeof trainingJobSpec>;

export const trainingJobStatus = object('Observed state of the TrainingJob.', {
  observedGeneration,
  conditions,
  phase: enumeration('Where the job is in its life cycle.', TrainingPhases),
  message: string('Human-readable detail about the phase, such as what a queued job waits for.'),
  gpus: integer('GPUs the job holds or waits for, across all workers.', { minimum: 0 }),
  attempts: integer('Pod attempts so far.', { minimum: 0 }),
  jobName: objectName('Name of the batch/v1 Job that runs the training.'),
  queuedTime: timestamp('When the job started waiting for capacity.'),
  startTime: timestamp('When the job was admitted.'),
  completionTime: timestamp('When the job succeeded or failed.'),
  duration: string('How long the job ran, from admission to completion, such as 3m12s.'),
  metrics: metricsMap('Metrics the training code reported.'),
  modelVersion: objectName('The ModelVersion this job registered.'),
});
export type TrainingJobStatus = Infer<typeof trainingJobStatus>;

/** A TrainingJob as stored in the cluster. */
export type TrainingJob = FerryObject<TrainingJobSpec, TrainingJobStatus>;

export const TrainingJob: KindDefinition<TrainingJobSpec, TrainingJobStatus> = {
  kind: 'TrainingJob',
  listKind: 'TrainingJobList',
  plural: 'trainingjobs',
  singular: 'trainingjob',
  shortNames: ['tjob'],
  description:
    'A TrainingJob trains a model on a Dataset as a Kubernetes Job, on GPUs where asked, and registers the result as a ModelVersion.',
  spec: trainingJobSpec,
  status: trainingJobStatus,
  printerColumns: [
    { name: 'Model', type: 'string', jsonPath: '.spec.model', description: 'Model being trained.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Life-cycle phase.' },
    {
      name: 'GPUs',
      type: 'integer',
      jsonPath: '.status.gpus',
      description: 'GPUs across all workers.',
    },
    {
      name: 'Duration',
      type: 'string',
      jsonPath: '.status.duration',
      description: 'Time from admission to completion.',
    },
    {
      name: 'Version',
      type: 'string',
      jsonPath: '.status.modelVersion',
      description: 'ModelVersion registered by this job.',
    },
    ageColumn(),
  ],
  references: [
    { path: ['spec', 'datasetRef', 'name'], targetKind: 'Dataset', expectedIn: 'manifests' },
  ],
};
