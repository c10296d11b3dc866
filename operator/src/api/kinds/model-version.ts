import {
  array,
  describe,
  enumeration,
  integer,
  json,
  map,
  object,
  string,
  timestamp,
  type Infer,
} from '../schema.js';
import {
  conditions,
  gates,
  metricsMap,
  modelName,
  objectName,
  observedGeneration,
  SHA256_HEX,
} from '../common.js';
import type { FerryObject } from '../meta.js';
import { ageColumn, readyColumn, type KindDefinition } from '../kind.js';

/** Open Inference Protocol v2 tensor datatypes. */
export const TensorDatatypes = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;

export const PromotionStates = ['Open', 'Merged', 'Closed'] as const;
export type PromotionState = (typeof PromotionStates)[number];

export const ModelStages = ['Candidate', 'Production', 'Archived', 'Rejected'] as const;
export type ModelStage = (typeof ModelStages)[number];

const tensor = object(
  'A named tensor of a model signature.',
  {
    name: string('Tensor name, as in the ONNX graph.', { minLength: 1 }),
    datatype: enumeration('Element type (Open Inference Protocol names).', TensorDatatypes),
    shape: array(
      'Dimensions; -1 marks a dynamic dimension such as the batch.',
      integer('A dimension.', { minimum: -1 }),
      {
        maxItems: 16,
      },
    ),
  },
  { required: ['name', 'datatype', 'shape'] },
);

const signature = object('Inputs and outputs of the model.', {
  inputs: array('Input tensors.', tensor, { listType: 'map', listMapKeys: ['name'] }),
  outputs: array('Output tensors.', tensor, { listType: 'map', listMapKeys: ['name'] }),
});

export const modelVersionSpec = object(
  'The registry record of one trained model.',
  {
    model: modelName('Name of the model this is a version of.'),
    version: string('Version label, unique within the model, such as 3 or 2026-11-22.1.', {
      pattern: '^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$',
    }),
    artifact: object(
      'The model file.',
      {
        uri: string(
          'Location of the model file: file:///abs/path, http(s)://host/path or pvc://claim/path.',
          {
            pattern: '^(file|https?|pvc)://.+$',
            maxLength: 2048,
          },
        ),
        sha256: string('sha256 of the file, as 64 hex digits. Checked before every load.', {
          pattern: SHA256_HEX,
        }),
        format: enumeration('Serialisation of the model.', ['onnx'] as const, { default: 'onnx' }),
      },
      { required: ['uri', 'sha256'] },
    ),
    signature,
    metrics: metricsMap('Evaluation metrics of this version, such as accuracy or f1.'),
    primaryMetric: string(
      'The metric that ranks versions of this model and shows in kubectl get.',
      {
        default: 'accuracy',
      },
    ),
    gates,
    lineage: object('Where this version came from.', {
      dataset: object(
        'The data it was trained on.',
        {
          name: objectName('Name of the Dataset.'),
          digest: string('Digest of the data at training time, as sha256:<hex>.'),
        },
        { required: ['name'] },
      ),
      trainingJob: objectName('Name of the TrainingJob that produced it.'),
      gitCommit: string('Commit of the model repository that declared the TrainingJob.'),
      hyperparameters: map('Hyperparameters of the training run.', json('A hyperparameter value.')),
    }),
  },
  { required: ['model', 'version', 'artifact'] },
);
export type ModelVersionSpec = Infer<typeof modelVersionSpec>;

export const modelVersionStatus = object('Observed state of the ModelVersion.', {
  observedGeneration,
  conditions,
  stage: enumeration(
    'Where the version stands: Candidate, Production, Archived or Rejected.',
    ModelStages,
  ),
  primaryMetric: string('The primary metric and its value, such as accuracy=0.973, for display.'),
  signature: describe(signature, 'Signature read from the model file itself.'),
  servedBy: array(
    'InferenceServices that serve this version.',
    objectName('An InferenceService.'),
    {
      listType: 'set',
    },
  ),
  promotion: object(
    'The pull request (or, without GitHub, the branch) that proposed this version.',
    {
      url: string('Web address of the pull request.'),
      number: integer('Pull request number.', { minimum: 1 }),
      state: enumeration('State of the pull request.', PromotionStates),
      branch: string(
        'The branch that carries the one-commit change, such as ferry/promote/iris/iris-v2.',
      ),
      service: objectName('The InferenceService the change is for.'),
      message: string('What to do next, such as how to merge a local branch.'),
    },
  ),
  stageTime: timestamp('When the stage last changed.'),
});
export type ModelVersionStatus = Infer<typeof modelVersionStatus>;

/** A ModelVersion as stored in the cluster. */
export type ModelVersion = FerryObject<ModelVersionSpec, ModelVersionStatus>;

export const ModelVersion: KindDefinition<ModelVersionSpec, ModelVersionStatus> = {
  kind: 'ModelVersion',
  listKind: 'ModelVersionList',
  plural: 'modelversions',
  singular: 'modelversion',
  shortNames: ['mv'],
  description:
    'A ModelVersion is the registry record of one trained model: its artifact and digest, signature, metrics, lineage and stage.',
  spec: modelVersionSpec,
  status: modelVersionStatus,
  printerColumns: [
    { name: 'Model', type: 'string', jsonPath: '.spec.model', description: 'Model name.' },
    { name: 'Version', type: 'string', jsonPath: '.spec.version', description: 'Version label.' },
    { name: 'Stage', type: 'string', jsonPath: '.status.stage', description: 'Life-cycle stage.' },
    {
      name: 'Metric',
      type: 'string',
      jsonPath: '.status.primaryMetric',
      description: 'The primary metric and its value.',
    },
    {
      name: 'Promotion',
      type: 'string',
      jsonPath: '.status.promotion.state',
      description: 'State of the promotion pull request or branch.',
    },
    {
      name: 'Branch',
      type: 'string',
      jsonPath: '.status.promotion.branch',
      description: 'The branch proposing this version.',
    },
    readyColumn(),
    ageColumn(),
    {
      name: 'Pull Request',
      type: 'string',
      jsonPath: '.status.promotion.url',
      description: 'The pull request proposing this version.',
      priority: 1,
    },
  ],
  references: [],
};
