import {
  array,
  boolean,
  duration,
  enumeration,
  integer,
  number,
  object,
  quantity,
  string,
  timestamp,
  type Infer,
} from '../schema.js';
import {
  conditions,
  gates,
  localObjectReference,
  modelName,
  objectName,
  observedGeneration,
} from '../common.js';
import type { FerryObject } from '../meta.js';
import { ageColumn, readyColumn, type KindDefinition } from '../kind.js';

export const PromotionPolicies = ['PullRequest', 'Manual', 'AutoMerge'] as const;
export const RolloutResults = ['Promoted', 'RolledBack', 'Superseded'] as const;

const canaryStep = object(
  'One step of a canary rollout: send this share of traffic to the canary for this long, then analyse.',
  {
    weight: integer('Percentage of traffic to the canary during this step.', {
      minimum: 0,
      maximum: 100,
    }),
    duration: duration('How long the step lasts before its analysis decides.'),
  },
  { required: ['weight', 'duration'] },
);

/** Bounds a canary must stay within at every step of its rollout. */
export const canaryAnalysis = object('Bounds the canary must stay within at every step.', {
  maxErrorRate: number('Largest fraction of failed requests (5xx).', {
    minimum: 0,
    maximum: 1,
    default: 0.01,
  }),
  maxP99LatencyMs: number('Largest 99th-percentile latency, in milliseconds.', {
    minimum: 0,
    default: 500,
  }),
  maxPredictionDrift: number(
    'Largest divergence between canary and stable predictions (Jensen-Shannon, 0..1).',
    { minimum: 0, maximum: 1, default: 0.2 },
  ),
  minRequests: integer('Fewest canary requests a step needs before it can pass.', {
    minimum: 0,
    default: 50,
  }),
});

export const inferenceServiceSpec = object(
  'Desired state of the InferenceService.',
  {
    modelVersion: objectName(
      'The ModelVersion to serve. This is the one line a promotion pull request edits.',
    ),
    replicas: integer('Model server pods for the stable version.', {
      minimum: 0,
      maximum: 1000,
      default: 1,
    }),
    resources: object('Compute resources of each model server pod.', {
      cpu: quantity('CPU request and limit, such as 500m.'),
      memory: quantity('Memory request and limit, such as 512Mi.'),
    }),
    batching: object('Dynamic batching in the model server.', {
      maxBatchSize: integer('Most requests stacked into one model call.', {
        minimum: 1,
        maximum: 4096,
        default: 1,
      }),
      maxBatchDelayMs: integer('Longest a request waits for others to join its batch.', {
        minimum: 0,
        maximum: 10000,
        default: 0,
      }),
      maxQueue: integer('Requests waiting beyond this are shed with 429.', {
        minimum: 1,
        maximum: 100000,
        default: 256,
      }),
    }),
    rollout: object('How a new model version reaches traffic.', {
      strategy: enumeration(
        'Canary runs the steps with analysis; Recreate replaces the version at once.',
        ['Canary', 'Recreate'] as const,
        { default: 'Canary' },
      ),
      steps: array('Canary steps, in order. The canary is promoted after the last.', canaryStep, {
        maxItems: 20,
      }),
      analysis: canaryAnalysis,
      autoRollback: boolean('Roll back automatically when an analysis fails.', { default: true }),
    }),
    promotion: object('How better versions of the model are proposed.', {
      policy: enumeration(
        'PullRequest opens a pull request for review; AutoMerge also merges it; Manual does neither.',
        PromotionPolicies,
        { default: 'PullRequest' },
      ),
      model: modelName('The model whose new versions this service follows.'),
      gates,
      minImprovement: number(
        'How much a version must beat the stable version on the primary metric to be proposed (higher is better). With the default 0 a tie is not a promotion.',
        { minimum: 0, default: 0 },
      ),
    }),
    traffic: object('How traffic is split between stable and canary.', {
      httpRouteRef: localObjectReference(
        'A Gateway API HTTPRoute whose backend weights carry the split. Without it, the replica ratio does.',
      ),
    }),
  },
  { required: ['modelVersion'] },
);
export type InferenceServiceSpec = Infer<typeof inferenceServiceSpec>;

const rolloutRecord = object(
  'One finished rollout.',
  {
    version: objectName('The ModelVersion that was rolled out.'),
    result: enumeration('How the rollout ended.', RolloutResults),
    startTime: timestamp('When the rollout started.'),
    finishTime: timestamp('When it ended.'),
    message: string('What decided it, with the measured figures.'),
  },
  { required: ['version', 'result'] },
);

const podCounters = object(
  "One canary pod's serving counters, as its /metrics reported them.",
  {
    pod: objectName('The pod.'),
    requests: integer('Requests answered.', { minimum: 0 }),
    serverErrors: integer('Requests answered with a 5xx status.', { minimum: 0 }),
    latency: array(
      'Cumulative request-duration buckets.',
      object(
        'One bucket.',
        {
          le: string('Upper bound in seconds, or +Inf.'),
          count: integer('Requests at or below the bound.', { minimum: 0 }),
        },
        { required: ['le', 'count'] },
      ),
      { maxItems: 64 },
    ),
  },
  { required: ['pod', 'requests', 'serverErrors'] },
);

export const inferenceServiceStatus = object('Observed state of the InferenceService.', {
  observedGeneration,
  conditions,
  stableVersion: objectName('The ModelVersion serving most traffic.'),
  canaryVersion: objectName('The ModelVersion under canary analysis, if any.'),
  canaryWeight: integer('Percentage of traffic the canary receives.', { minimum: 0, maximum: 100 }),
  step: integer('Index of the current canary step.', { minimum: 0 }),
  stepStartTime: timestamp('When the current canary step started.'),
  stepBaseline: object(
    "The canary pods' counters when the current step's analysis began, so that each step is judged on its own traffic.",
    {
      stepStartTime: timestamp('The step these counters belong to.'),
      pods: array('Per pod; a pod missing here started after the baseline.', podCounters, {
        maxItems: 1000,
      }),
    },
  ),
  url: string('Address of the service, for Open Inference Protocol requests.'),
  history: array('The most recent rollouts, newest first.', rolloutRecord, { maxItems: 10 }),
  lastRollback: object('The most recent rollback and why it happened.', {
    version: objectName('The version that was rolled back.'),
    reason: string('Why, in CamelCase, such as ErrorRateExceeded.'),
    message: string('The measured figures against their bounds.'),
    time: timestamp('When the rollback happened.'),
    retry: string(
      'The ferry.dev/retry annotation when the rollback happened. The version is not rolled out again until the annotation changes or spec.modelVersion names another version.',
    ),
  }),
});
export type InferenceServiceStatus = Infer<typeof inferenceServiceStatus>;

/** A InferenceService as stored in the cluster. */
export type InferenceService = FerryObject<InferenceServiceSpec, InferenceServiceStatus>;

export const InferenceService: KindDefinition<InferenceServiceSpec, InferenceServiceStatus> = {
  kind: 'InferenceService',
  listKind: 'InferenceServiceList',
  plural: 'inferenceservices',
  singular: 'inferenceservice',
  shortNames: ['infsvc'],
  description:
    'An InferenceService serves a ModelVersion over the Open Inference Protocol and rolls new versions out as analysed canaries.',
  spec: inferenceServiceSpec,
  status: inferenceServiceStatus,
  printerColumns: [
    {
      name: 'Model Version',
      type: 'string',
      jsonPath: '.spec.modelVersion',
      description: 'The declared ModelVersion.',
    },
    {
      name: 'Stable',
      type: 'string',
      jsonPath: '.status.stableVersion',
      description: 'Serving version.',
    },
    {
      name: 'Canary',
      type: 'string',
      jsonPath: '.status.canaryVersion',
      description: 'Version under analysis.',
    },
    {
      name: 'Weight',
      type: 'integer',
      jsonPath: '.status.canaryWeight',
      description: 'Canary traffic percentage.',
    },
    readyColumn(),
    ageColumn(),
    {
      name: 'URL',
      type: 'string',
      jsonPath: '.status.url',
      description: 'Service address.',
      priority: 1,
    },
  ],
  references: [
    { path: ['spec', 'modelVersion'], targetKind: 'ModelVersion', expectedIn: 'cluster' },
  ],
};
