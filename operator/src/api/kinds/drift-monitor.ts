import {
  array,
  boolean,
  duration,
  enumeration,
  integer,
  map,
  number,
  object,
  string,
  timestamp,
  type Infer,
} from '../schema.js';
import { conditions, localObjectReference, objectName, observedGeneration } from '../common.js';
import type { FerryObject } from '../meta.js';
import { ageColumn, type KindDefinition } from '../kind.js';
import { trainingJobSpec } from './training-job.js';

export const DriftMethods = ['auto', 'psi', 'ks', 'js', 'wasserstein', 'chi2'] as const;

const featureOverride = object(
  'A feature to watch, with an optional method and threshold of its own.',
  {
    name: string('Feature (column) name.', { minLength: 1 }),
    method: enumeration(
      'Statistic for this feature; defaults to the monitor method.',
      DriftMethods,
    ),
    threshold: number('Drift threshold for this feature.', { minimum: 0 }),
  },
  { required: ['name'] },
);

export const driftMonitorSpec = object(
  'Desired state of the DriftMonitor.',
  {
    inferenceServiceRef: localObjectReference(
      'The InferenceService whose live traffic is watched.',
    ),
    baselineRef: localObjectReference('The Dataset whose profile is the baseline.'),
    features: array(
      'Features to watch. All features of the baseline when empty.',
      featureOverride,
      {
        listType: 'map',
        listMapKeys: ['name'],
        maxItems: 4096,
      },
    ),
    method: enumeration(
      'Statistic: auto picks, as Evidently does, KS (numeric) and chi-square (categorical) at p < 0.05 for a reference of 1,000 rows or fewer, else Wasserstein (numeric) and Jensen-Shannon (categorical) at 0.1.',
      DriftMethods,
      { default: 'auto' },
    ),
    threshold: number(
      'Drift threshold for the statistic (a PSI or distance above it, or a p-value below it, is drift). Each method has a default.',
      { minimum: 0 },
    ),
    driftShare: number(
      'Share of the watched features that must drift for the data to drift, as Evidently judges a dataset: 0.5 (the default) needs half of them; 1 / the number of features, any one.',
      { minimum: 0.01, maximum: 1 },
    ),
    window: object('How much live traffic each evaluation looks at.', {
      requests: integer(
        "Most rows compared: the servers' merged sample is cut to this many, weighted by each pod's requests.",
        { minimum: 10, maximum: 1000000 },
      ),
      duration: duration(
        'Only rows served this recently: each model server is asked for the rows of its sample served since then.',
      ),
      minSamples: integer(
        'Fewest live rows an evaluation needs; with fewer, Drifted is Unknown (InsufficientData).',
        { minimum: 1, maximum: 1000000, default: 50 },
      ),
    }),
    interval: duration('How often to evaluate.', { default: '5m' }),
    actions: object('What to do when drift is detected.', {
      retrain: object(
        'Start a TrainingJob from this template.',
        {
          template: object(
            'The TrainingJob to create.',
            {
              metadata: object('Labels and annotations of the created TrainingJob.', {
                labels: map('Labels.', string('A label value.')),
                annotations: map('Annotations.', string('An annotation value.')),
              }),
              spec: trainingJobSpec,
            },
            { required: ['spec'] },
          ),
          cooldown: duration(
            'Least time between the creation of two retraining jobs; one job at most is in flight.',
            { default: '1h' },
          ),
        },
        { required: ['template'] },
      ),
      pullRequest: boolean('Open a pull request reporting the drift.', { default: false }),
    }),
  },
  { required: ['inferenceServiceRef', 'baselineRef'] },
);
export type DriftMonitorSpec = Infer<typeof driftMonitorSpec>;

const featureResult = object(
  'The latest drift statistic of one feature.',
  {
    name: string('Feature name.'),
    method: enumeration('Statistic used.', DriftMethods),
    value: number('Value of the statistic.'),
    pValue: number('p-value, for the tests (ks, chi2).'),
    threshold: number(
      'Threshold the p-value (tests) or the statistic (distances) was compared with, Bonferroni-corrected for tests.',
    ),
    drifted: boolean('Whether this feature drifted.'),
    prediction: boolean('Whether this is a model output (prediction drift) rather than an input.'),
  },
  { required: ['name', 'method', 'value', 'threshold', 'drifted'] },
);

export const driftMonitorStatus = object('Observed state of the DriftMonitor.', {
  observedGeneration,
  conditions,
  lastCheckTime: timestamp('When drift was last evaluated.'),
  samples: integer('Live samples in the last evaluation.', { minimum: 0 }),
  features: array('Per-feature results of the last evaluation.', featureResult, { maxItems: 4096 }),
  retrainingJob: objectName('The TrainingJob started by the last drift.'),
  retrainTime: timestamp('When that TrainingJob was created: the cooldown runs from it.'),
  pullRequest: object("The pull request that proposes the retraining job's manifest.", {
    state: enumeration(
      'Open, Merged or Closed; NotConfigured when the operator has no git repository to propose to.',
      ['Open', 'Merged', 'Closed', 'NotConfigured'] as const,
    ),
    branch: string('The proposal branch.'),
    url: string('The pull request, on GitHub.'),
    number: integer('The pull request number, on GitHub.', { minimum: 1 }),
    message: string('How to merge it, or why there is none.'),
  }),
});
export type DriftMonitorStatus = Infer<typeof driftMonitorStatus>;

/** A DriftMonitor as stored in the cluster. */
export type DriftMonitor = FerryObject<DriftMonitorSpec, DriftMonitorStatus>;

export const DriftMonitor: KindDefinition<DriftMonitorSpec, DriftMonitorStatus> = {
  kind: 'DriftMonitor',
  listKind: 'DriftMonitorList',
  plural: 'driftmonitors',
  singular: 'driftmonitor',
  shortNames: ['dmon'],
  description:
    'A DriftMonitor compares the live inputs of an InferenceService with the baseline profile of a Dataset and acts when they drift apart.',
  spec: driftMonitorSpec,
  status: driftMonitorStatus,
  printerColumns: [
    {
      name: 'Target',
      type: 'string',
      jsonPath: '.spec.inferenceServiceRef.name',
      description: 'The watched InferenceService.',
    },
    {
      name: 'Drifted',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Drifted")].status',
      description: 'Whether the last evaluation found drift.',
    },
    {
      name: 'Samples',
      type: 'integer',
      jsonPath: '.status.samples',
      description: 'Live rows compared in the last evaluation.',
    },
    {
      name: 'Retraining',
      type: 'string',
      jsonPath: '.status.retrainingJob',
      description: 'The TrainingJob the last drift started.',
      priority: 1,
    },
    {
      name: 'Last Check',
      type: 'date',
      jsonPath: '.status.lastCheckTime',
      description: 'Time since the last evaluation.',
    },
    ageColumn(),
  ],
  references: [
    {
      path: ['spec', 'inferenceServiceRef', 'name'],
      targetKind: 'InferenceService',
      expectedIn: 'manifests',
    },
    { path: ['spec', 'baselineRef', 'name'], targetKind: 'Dataset', expectedIn: 'manifests' },
    {
      path: ['spec', 'actions', 'retrain', 'template', 'spec', 'datasetRef', 'name'],
      targetKind: 'Dataset',
      expectedIn: 'manifests',
    },
  ],
};
