/**
 * The ModelVersion a successful run registers: the model's next version number N (from
 * the version ledger, `controllers/version-ledger.ts`), named `<model>-v<N>`. It carries
 * the run's name (`ferry.dev/training-run`) and the TrainingJob's uid, so a retry of the
 * registration finds it instead of registering the run twice. It has no ownerReference:
 * deleting a TrainingJob never deletes the models it produced.
 */

import { API_VERSION, Labels, type ModelVersion, type TrainingJob } from '../../api/index.js';
import { TRAINING_JOB_LABEL } from './job.js';
import type { TrainingResult } from './result.js';

/** Annotation on a ModelVersion naming the uid of the TrainingJob that registered it. */
export const TRAINING_JOB_UID_ANNOTATION = 'ferry.dev/training-job-uid';
export const GIT_COMMIT_ANNOTATION = Labels.gitCommit;

export function modelVersionName(model: string, version: number): string {
  return `${model}-v${version}`;
}

/** Whether `existing` was registered by this very TrainingJob (not an earlier one of the same name). */
export function registeredBy(existing: ModelVersion, trainingJob: TrainingJob): boolean {
  return existing.metadata.annotations?.[TRAINING_JOB_UID_ANNOTATION] === trainingJob.metadata.uid;
}

/** The draft with its version: `spec.version` N and the name `<model>-v<N>`. */
export function numbered(draft: ModelVersion, version: number): ModelVersion {
  return {
    ...draft,
    metadata: { ...draft.metadata, name: modelVersionName(draft.spec.model, version) },
    spec: { ...draft.spec, version: String(version) },
  };
}

/** The ModelVersion run `job` registers, before it has a number (name and version empty). */
export function desiredModelVersion(
  trainingJob: TrainingJob,
  job: string,
  result: TrainingResult,
  /** The data the run trained on: the Dataset's name and the digest the Job was given. */
  dataset: { name: string; digest?: string },
  outputDirectoryUri: string,
): ModelVersion {
  const gitCommit =
    trainingJob.metadata.annotations?.[GIT_COMMIT_ANNOTATION] ??
    trainingJob.metadata.labels?.[GIT_COMMIT_ANNOTATION];
  const metricNames = Object.keys(result.metrics).sort();
  const primaryMetric = metricNames.includes('accuracy') ? 'accuracy' : metricNames[0];
  const hyperparameters = trainingJob.spec.hyperparameters;
  return {
    apiVersion: API_VERSION,
    kind: 'ModelVersion',
    metadata: {
      name: '',
      namespace: trainingJob.metadata.namespace ?? 'default',
      labels: {
        [Labels.model]: trainingJob.spec.model,
        [TRAINING_JOB_LABEL]: trainingJob.metadata.name ?? '',
        [Labels.trainingRun]: job,
      },
      annotations: { [TRAINING_JOB_UID_ANNOTATION]: trainingJob.metadata.uid ?? '' },
    },
    spec: {
      model: trainingJob.spec.model,
      version: '',
      artifact: {
        uri: /^[a-z][a-z0-9+.-]*:\/\//.test(result.artifact)
          ? result.artifact
          : `${outputDirectoryUri.replace(/\/+$/, '')}/${result.artifact.replace(/^\.?\/+/, '')}`,
        sha256: result.sha256,
        format: 'onnx',
      },
      metrics: result.metrics,
      ...(primaryMetric === undefined ? {} : { primaryMetric }),
      lineage: {
        dataset: {
          name: dataset.name,
          ...(dataset.digest === undefined ? {} : { digest: dataset.digest }),
        },
        trainingJob: trainingJob.metadata.name ?? '',
        ...(gitCommit === undefined ? {} : { gitCommit }),
        ...(hyperparameters === undefined ? {} : { hyperparameters }),
      },
    },
  };
}
