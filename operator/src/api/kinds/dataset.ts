import {
  array,
  boolean,
  describe,
  duration,
  enumeration,
  integer,
  number,
  object,
  string,
  timestamp,
  type Infer,
} from '../schema.js';
import { conditions, observedGeneration, SHA256_HEX } from '../common.js';
import type { FerryObject } from '../meta.js';
import { ageColumn, readyColumn, type KindDefinition } from '../kind.js';

export const FeatureTypes = ['numeric', 'integer', 'categorical', 'boolean', 'string'] as const;

const column = object(
  'A column of the data set and the type its values must have.',
  {
    name: string('Column name, as in the CSV header or the JSON Lines key.', {
      minLength: 1,
      maxLength: 253,
    }),
    type: enumeration('Type that every non-missing value must have.', FeatureTypes),
    nullable: boolean('Whether values may be missing (empty or null).'),
    values: array(
      'For categorical columns: the allowed values. Others are violations.',
      string('An allowed category.'),
      { maxItems: 1000 },
    ),
  },
  { required: ['name', 'type'] },
);

export const datasetSpec = object(
  'Desired state of the Dataset.',
  {
    source: object(
      'Where the data lives and how to read it.',
      {
        uri: string(
          'Location of the data: file:///abs/path, http(s)://host/path, or pvc://claim/path.',
          { pattern: '^(file|https?|pvc)://.+$', maxLength: 2048 },
        ),
        format: enumeration('Encoding of the data.', ['csv', 'jsonl'] as const, {
          default: 'csv',
        }),
        sha256: string(
          'Pinned sha256 of the data, as 64 hex digits. A different digest makes the Dataset not Ready.',
          { pattern: SHA256_HEX },
        ),
      },
      { required: ['uri'] },
    ),
    schema: object(
      'Declared columns. Data that does not match is reported in status.',
      {
        features: array('Input columns the model is trained on.', column, {
          minItems: 1,
          maxItems: 4096,
          listType: 'map',
          listMapKeys: ['name'],
        }),
        target: describe(column, 'The column the model predicts.'),
      },
      { required: ['features'] },
    ),
    split: object('Deterministic train/validation/test split, applied by row hash and seed.', {
      train: number('Fraction of rows for training.', { minimum: 0, maximum: 1, default: 0.8 }),
      validation: number('Fraction of rows for validation.', {
        minimum: 0,
        maximum: 1,
        default: 0.1,
      }),
      test: number('Fraction of rows for testing.', { minimum: 0, maximum: 1, default: 0.1 }),
      seed: integer('Seed of the split hash, so a split is reproducible.', {
        minimum: 0,
        default: 0,
      }),
    }),
    quality: object('Rules the data must satisfy to be Ready.', {
      maxMissingRatio: number('Largest allowed fraction of missing values in any column.', {
        minimum: 0,
        maximum: 1,
      }),
      minRows: integer('Fewest rows the data may have.', { minimum: 0 }),
    }),
    profile: object('How to compute the baseline profile used for drift detection.', {
      histogramBins: integer('Number of histogram bins per numeric feature.', {
        minimum: 2,
        maximum: 200,
        default: 20,
      }),
      referenceSampleSize: integer('Size of the bounded reference sample kept per feature.', {
        minimum: 0,
        maximum: 10000,
        default: 1000,
      }),
    }),
    interval: duration('How often to re-check the source. Only a changed digest counts.', {
      default: '1h',
    }),
  },
  { required: ['source'] },
);
export type DatasetSpec = Infer<typeof datasetSpec>;

const featureProfile = object(
  'Summary statistics of one column.',
  {
    name: string('Column name.'),
    type: enumeration('Declared type of the column.', FeatureTypes),
    count: integer('Number of non-missing values.', { minimum: 0 }),
    missing: integer('Number of missing values.', { minimum: 0 }),
    mean: number('Mean of numeric values.'),
    std: number('Standard deviation of numeric values.'),
    min: number('Smallest numeric value.'),
    max: number('Largest numeric value.'),
    quantiles: array(
      'Values at the 0, 5, 25, 50, 75, 95 and 100th percentiles.',
      number('A quantile.'),
      {
        maxItems: 7,
      },
    ),
    frequencies: array(
      'Most frequent categories and their counts.',
      object(
        'One category and how often it occurs.',
        {
          value: string('The category.'),
          count: integer('Occurrences.', { minimum: 0 }),
        },
        { required: ['value', 'count'] },
      ),
      { maxItems: 100 },
    ),
  },
  { required: ['name', 'type', 'count', 'missing'] },
);

const violation = object(
  'A row or column that breaks the declared schema or a quality rule.',
  {
    rule: string('Which rule was broken, such as Type, Missing, Category or MinRows.'),
    column: string('Column name.'),
    row: integer('1-based data row number (the header is row 0).', { minimum: 0 }),
    message: string('What was wrong.'),
  },
  { required: ['rule', 'message'] },
);

export const datasetStatus = object('Observed state of the Dataset.', {
  observedGeneration,
  conditions,
  digest: string('Digest of the data that was read, as sha256:<hex>.'),
  shortDigest: string('The first 12 hex digits of the digest, for display.'),
  rows: integer('Number of data rows.', { minimum: 0 }),
  columns: integer('Number of columns.', { minimum: 0 }),
  lastCheckTime: timestamp('When the source was last read.'),
  features: array('Per-column baseline profile.', featureProfile, { maxItems: 4096 }),
  profileConfigMap: string(
    'Name of the ConfigMap holding the full profile and reference sample, in this namespace.',
  ),
  violations: array('The first violations found, at most 50.', violation, { maxItems: 50 }),
});
export type DatasetStatus = Infer<typeof datasetStatus>;

/** A Dataset as stored in the cluster. */
export type Dataset = FerryObject<DatasetSpec, DatasetStatus>;

export const Dataset: KindDefinition<DatasetSpec, DatasetStatus> = {
  kind: 'Dataset',
  listKind: 'DatasetList',
  plural: 'datasets',
  singular: 'dataset',
  shortNames: ['dset'],
  description:
    'A Dataset names training or reference data, pins its digest, declares its schema and quality rules, and records its baseline profile for drift detection.',
  spec: datasetSpec,
  status: datasetStatus,
  printerColumns: [
    {
      name: 'Rows',
      type: 'integer',
      jsonPath: '.status.rows',
      description: 'Number of data rows.',
    },
    {
      name: 'Digest',
      type: 'string',
      jsonPath: '.status.shortDigest',
      description: 'Short sha256 of the data.',
    },
    readyColumn(),
    ageColumn(),
  ],
  references: [],
};
