/**
 * The ModelVersion a successful TrainingJob registers. Its name is derived from the
 * TrainingJob alone, so every reconcile (concurrent, or after a restart) proposes the same
 * object and the API server's AlreadyExists makes registration happen exactly once.
 * It has no ownerReference: deleting a TrainingJob never deletes the models it produced.
 */

import { API_VERSION, Labels, type ModelVersion, type TrainingJob } from '../../api/index.js';
import { TRAINING_JOB_LABEL } from './job.js';
import type { TrainingResult } from './result.js';

/** Annotation on a ModelVersion naming the uid of the TrainingJob that registered it. */
export const TRAINING_JOB_UID_ANNOTATION = 'ferry.dev/training-job-uid';
export const GIT_COMMIT_ANNOTATION = Labels.gitCommit;

export function modelVersionName(trainingJob: TrainingJob): string {
  return trainingJob.metadata.name ?? '';
}

/** Whether `existing` was registered by this very TrainingJob (not an earlier one of the same name). */
export function registeredBy(existing: ModelVersion, trainingJob: TrainingJob): boolean {
  return existing.metadata.annotations?.[TRAINING_JOB_UID_ANNOTATION] === trainingJob.metadata.uid;
}

export function desiredModelVersion(
  trainingJob: TrainingJob,
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
      name: modelVersionName(trainingJob),
      namespace: trainingJob.metadata.namespace ?? 'default',
      labels: {
        [Labels.model]: trainingJob.spec.model,
        [TRAINING_JOB_LABEL]: trainingJob.metadata.name ?? '',
      },
      annotations: { [TRAINING_JOB_UID_ANNOTATION]: trainingJob.metadata.uid ?? '' },
    },
    spec: {
      model: trainingJob.spec.model,
      version: modelVersionName(trainingJob),
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
