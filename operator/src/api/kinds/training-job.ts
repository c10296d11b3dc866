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
  'Superseded',
  'Stopped',
] as const;
export type TrainingPhase = (typeof TrainingPhases)[number];

/** What started a run: the first run, a new generation, new data, the schedule, or a person. */
export const RunTriggers = [
  'Created',
  'SpecChange',
  'DatasetChange',
  'Schedule',
  'Manual',
] as const;
export type RunTrigger = (typeof RunTriggers)[number];

/** Events that start a new run besides a spec change, the schedule and a request. */
export const RetrainEvents = ['DatasetChange'] as const;

/** What happens to a running run when a newer one would exceed spec.concurrency, as in a CronJob. */
export const ConcurrencyPolicies = ['Forbid', 'Replace'] as const;
export type ConcurrencyPolicy = (typeof ConcurrencyPolicies)[number];

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
    retrainOn: array(
      "Events that start a new run besides a spec change: DatasetChange starts one whenever the Dataset's digest changes.",
      enumeration('An event that starts a run.', RetrainEvents),
      { listType: 'set' },
    ),
    schedule: string(
      'Cron expression (five fields, or six with seconds, or @daily and the like) on which a new run starts.',
      { minLength: 1, maxLength: 128 },
    ),
    timeZone: string('IANA time zone of spec.schedule, such as Europe/Paris. UTC when unset.', {
      minLength: 1,
      maxLength: 64,
    }),
    concurrency: integer('Most runs in flight at once.', { minimum: 1, maximum: 16, default: 1 }),
    concurrencyPolicy: enumeration(
      'When a new run would exceed spec.concurrency: Forbid lets it wait until a run finishes; Replace stops the oldest running run.',
      ConcurrencyPolicies,
      { default: 'Forbid' },
    ),
    runsHistoryLimit: integer(
      'Finished runs whose Jobs and Pods are kept, and that status.runs lists. Never prunes ModelVersions.',
      { minimum: 1, maximum: 100, default: 5 },
    ),
  },
  { required: ['datasetRef', 'model', 'image'] },
);
export type TrainingJobSpec = Infer<typeof trainingJobSpec>;

export const trainingRun = object(
  'One run of the TrainingJob: its own Job, named <trainingjob>-<id>.',
  {
    id: integer('Run number, unique within the TrainingJob and never reused.', { minimum: 0 }),
    trigger: enumeration('What started the run.', RunTriggers),
    generation: integer('The TrainingJob generation the run trains.', { minimum: 0 }),
    datasetDigest: string('Digest of the data the run trains on, as the Dataset reported it.'),
    scheduleTime: timestamp('The latest schedule time the run covers.'),
    request: string('The ferry.dev/run annotation value the run covers.', { maxLength: 253 }),
    phase: enumeration('Where the run is in its life cycle.', TrainingPhases),
    reason: string('CamelCase reason of the phase.'),
    message: string('Human-readable detail about the phase.'),
    jobName: objectName('Name of the batch/v1 Job of the run.'),
    outputUri: string('Where the run writes its artifacts (FERRY_OUTPUT_DIR).'),
    attempts: integer('Pod attempts so far.', { minimum: 0 }),
    queuedTime: timestamp('When the run was requested.'),
    startTime: timestamp('When the run was admitted.'),
    completionTime: timestamp('When the run finished.'),
    duration: string('How long the run ran, from admission to completion.'),
    metrics: metricsMap('Metrics the training code reported.'),
    modelVersion: objectName('The ModelVersion the run registered.'),
  },
  { required: ['id', 'trigger', 'phase'] },
);
export type TrainingRun = Infer<typeof trainingRun>;

export const trainingJobStatus = object('Observed state of the TrainingJob.', {
  observedGeneration,
  conditions,
  phase: enumeration("The latest run's phase.", TrainingPhases),
  message: string("Detail about the latest run's phase, such as what a queued run waits for."),
  gpus: integer('GPUs the job holds or waits for, across all workers.', { minimum: 0 }),
  attempts: integer('Pod attempts so far.', { minimum: 0 }),
  jobName: objectName("Name of the latest run's batch/v1 Job."),
  queuedTime: timestamp('When the job started waiting for capacity.'),
  startTime: timestamp('When the job was admitted.'),
  completionTime: timestamp('When the job succeeded or failed.'),
  duration: string('How long the job ran, from admission to completion, such as 3m12s.'),
  metrics: metricsMap('Metrics the training code reported.'),
  modelVersion: objectName('The ModelVersion the latest run registered.'),
  lastRun: integer('Highest run number issued; the next run is one more.', { minimum: 0 }),
  runs: array(
    'The latest runs, newest last: every run in flight and the newest finished ones.',
    trainingRun,
  ),
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
    "A TrainingJob trains a model on a Dataset in runs, each a Kubernetes Job on GPUs where asked, and registers each successful run as the model's next numbered ModelVersion.",
  spec: trainingJobSpec,
  status: trainingJobStatus,
  printerColumns: [
    { name: 'Model', type: 'string', jsonPath: '.spec.model', description: 'Model being trained.' },
    { name: 'Run', type: 'integer', jsonPath: '.status.lastRun', description: 'Latest run.' },
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.phase',
      description: "The latest run's phase.",
    },
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
      description: 'ModelVersion the latest run registered.',
    },
    ageColumn(),
  ],
  references: [
    { path: ['spec', 'datasetRef', 'name'], targetKind: 'Dataset', expectedIn: 'manifests' },
  ],
};
