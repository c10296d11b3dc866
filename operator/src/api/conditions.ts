/**
 * Every condition each kind writes, with its reasons and what a user does about each: the
 * source of the README's condition tables (test/api/conditions.test.ts holds the README
 * and the controllers to it).
 *
 * The vocabulary is kstatus's, the same for every kind: `Ready` is always present;
 * `Reconciling` only while work is in progress; `Stalled` only while the user must act.
 * Kind-specific conditions sit beside them.
 */

/** One reason of a condition: the status it goes with, and what it means for the user. */
export interface ReasonDoc {
  reason: string;
  status: 'True' | 'False' | 'Unknown';
  /** What it means, and what to do about it. */
  meaning: string;
}

export interface ConditionDoc {
  type: string;
  reasons: readonly ReasonDoc[];
}

/**
 * Reasons any kind's `Ready` (and `Reconciling` or `Stalled`) can carry when a reconcile
 * fails: the API server's own `Status` reasons, and Ferry's for everything else.
 */
export const FailureReasons: readonly ReasonDoc[] = [
  {
    reason: 'Invalid',
    status: 'False',
    meaning:
      'The API server refused an object Ferry wrote (422); the message names it. Stalled: change the spec (a name too long for a label, say).',
  },
  {
    reason: 'Forbidden',
    status: 'False',
    meaning:
      "The API server forbade a write (403): RBAC, a quota, or a terminating namespace. Stalled: fix the operator's permissions or the quota.",
  },
  {
    reason: 'BadRequest',
    status: 'False',
    meaning: 'The API server could not decode a write (400). Stalled.',
  },
  {
    reason: 'NotFound',
    status: 'False',
    meaning:
      'A kind Ferry writes is not installed, such as Gateway API for an HTTPRoute. Retried with backoff (Reconciling: ProgressingWithRetry) until it is.',
  },
  {
    reason: 'Conflict',
    status: 'False',
    meaning: 'Someone changed the object at the same time. Retried at once.',
  },
  {
    reason: 'ConnectionFailed',
    status: 'False',
    meaning: 'The API server did not answer. Retried with backoff.',
  },
  {
    reason: 'ReconcileError',
    status: 'False',
    meaning: 'Any other failure; the message says what. Retried with backoff.',
  },
];

export const KindConditions: Readonly<Record<string, readonly ConditionDoc[]>> = {
  Dataset: [
    {
      type: 'Ready',
      reasons: [
        { reason: 'Succeeded', status: 'True', meaning: 'The data was read and profiled.' },
        {
          reason: 'DigestMismatch',
          status: 'False',
          meaning:
            "The data's sha256 differs from `spec.source.sha256`. Stalled: fix the pin or the data.",
        },
        {
          reason: 'ValidationFailed',
          status: 'False',
          meaning:
            'Rows break the schema or a quality rule; the message names the first. Stalled: fix the data.',
        },
        {
          reason: 'InvalidData',
          status: 'False',
          meaning:
            'The file is not the declared format. Stalled: fix the file or `spec.source.format`.',
        },
        {
          reason: 'SourceNotFound',
          status: 'False',
          meaning:
            "Nothing is at `spec.source.uri`, or its claim is not mounted. Stalled: fix the URI or the operator's `--claim`.",
        },
        {
          reason: 'SourceUnreachable',
          status: 'False',
          meaning:
            'The source answered with an error that may pass (5xx, 429). Retried within 30 s.',
        },
      ],
    },
  ],
  TrainingJob: [
    {
      type: 'Ready',
      reasons: [
        {
          reason: 'ModelVersionRegistered',
          status: 'True',
          meaning: "The newest run succeeded and registered the model's next version.",
        },
        {
          reason: 'Requested',
          status: 'False',
          meaning:
            'A new run was requested (a spec change, new data, the schedule or `ferry.dev/run`); it starts at once.',
        },
        {
          reason: 'WaitingForRun',
          status: 'False',
          meaning:
            'The newest run waits for a running one to finish (`spec.concurrency`, `concurrencyPolicy: Forbid`).',
        },
        {
          reason: 'DatasetNotFound',
          status: 'False',
          meaning: 'The Dataset does not exist yet; checked again every 30 s.',
        },
        {
          reason: 'DatasetNotReady',
          status: 'False',
          meaning: 'The Dataset is not Ready; see its conditions.',
        },
        {
          reason: 'WaitingForCapacity',
          status: 'False',
          meaning: 'Queued for GPUs; the message says what it waits for.',
        },
        {
          reason: 'WaitingForKueue',
          status: 'False',
          meaning: 'The Job waits for Kueue to admit it.',
        },
        { reason: 'Admitted', status: 'False', meaning: 'Admitted; the Job is starting.' },
        { reason: 'Starting', status: 'False', meaning: "The Job's pods are starting." },
        { reason: 'Running', status: 'False', meaning: 'Training is running.' },
        {
          reason: 'ReadingResult',
          status: 'False',
          meaning: 'The Job completed; Ferry reads its result.',
        },
        {
          reason: 'DeadlineExceeded',
          status: 'False',
          meaning:
            'The run took longer than its deadline. Stalled: raise `spec.deadline` or make training faster.',
        },
        {
          reason: 'OOMKilled',
          status: 'False',
          meaning: 'The container ran out of memory. Stalled: raise `spec.resources.memory`.',
        },
        {
          reason: 'JobFailed',
          status: 'False',
          meaning:
            "The Job failed; the Job's own reason (BackoffLimitExceeded, …) replaces this one when it gives one. Stalled: read the pod logs.",
        },
        {
          reason: 'InvalidResult',
          status: 'False',
          meaning:
            'The termination message is not a valid result. Stalled: fix the training program.',
        },
        {
          reason: 'ResultPodGone',
          status: 'False',
          meaning: 'The pod holding the result was deleted before Ferry read it. Stalled.',
        },
        {
          reason: 'RegisteringModelVersion',
          status: 'False',
          meaning: "The run succeeded; Ferry registers it as the model's next version.",
        },
        {
          reason: 'InvalidSchedule',
          status: 'False',
          meaning:
            '`spec.schedule` or `spec.timeZone` cannot be read; other triggers still start runs. Stalled: fix the expression.',
        },
      ],
    },
    {
      type: 'Reconciling',
      reasons: [
        {
          reason: 'Progressing',
          status: 'True',
          meaning: 'The newest run is not finished; the message names it and its phase.',
        },
      ],
    },
  ],
  ModelVersion: [
    {
      type: 'Ready',
      reasons: [
        { reason: 'Candidate', status: 'True', meaning: 'Validated; not serving production.' },
        {
          reason: 'Production',
          status: 'True',
          meaning: 'An InferenceService serves it, Ready, as its stable version.',
        },
        { reason: 'Archived', status: 'True', meaning: 'It served production and no longer does.' },
        { reason: 'Validating', status: 'False', meaning: 'The artifact has not been read yet.' },
        {
          reason: 'ArtifactNotFound',
          status: 'False',
          meaning:
            "Nothing is at the artifact's URI, or its claim is not mounted. Retried every 30 s: fix the URI or the operator's `--claim`.",
        },
        {
          reason: 'ArtifactUnreachable',
          status: 'False',
          meaning: 'The artifact could not be fetched. Retried every 30 s.',
        },
        {
          reason: 'DeletionBlocked',
          status: 'False',
          meaning: 'Deletion waits until no InferenceService serves or names the version.',
        },
      ],
    },
    {
      type: 'Validated',
      reasons: [
        {
          reason: 'ArtifactVerified',
          status: 'True',
          meaning: 'The artifact matches its sha256, loads, and has the declared signature.',
        },
        {
          reason: 'DigestMismatch',
          status: 'False',
          meaning: "The artifact's sha256 differs from `spec.artifact.sha256`.",
        },
        {
          reason: 'NotLoadable',
          status: 'False',
          meaning: 'onnxruntime cannot load the artifact.',
        },
        {
          reason: 'SignatureMismatch',
          status: 'False',
          meaning: "The model's inputs or outputs differ from `spec.signature`.",
        },
      ],
    },
    {
      type: 'Rejected',
      reasons: [
        {
          reason: 'GatesFailed',
          status: 'True',
          meaning:
            'The metrics fail `spec.gates`. Stalled, as for every rejection: it is never rolled out.',
        },
        {
          reason: 'RolledBack',
          status: 'True',
          meaning:
            "An InferenceService rolled it back; the reason is the analysis's own (ErrorRateExceeded, …). Change `ferry.dev/retry` on the service to try again.",
        },
      ],
    },
  ],
  InferenceService: [
    {
      type: 'Ready',
      reasons: [
        {
          reason: 'Serving',
          status: 'True',
          meaning: 'The stable version answers at `status.url`.',
        },
        { reason: 'ScaledToZero', status: 'True', meaning: '`spec.replicas` is 0.' },
        {
          reason: 'Deploying',
          status: 'False',
          meaning: 'The serving Deployment has no updated pod available yet.',
        },
        { reason: 'NoStableVersion', status: 'False', meaning: 'No version has served yet.' },
        {
          reason: 'ModelVersionNotFound',
          status: 'False',
          meaning: 'The version to serve does not exist.',
        },
      ],
    },
    {
      type: 'Progressing',
      reasons: [
        {
          reason: 'CanaryAnalysis',
          status: 'True',
          meaning: 'A canary is under analysis; the message gives its step and weight.',
        },
      ],
    },
    {
      type: 'Degraded',
      reasons: [
        {
          reason: 'ModelVersionRejected',
          status: 'True',
          meaning:
            'The declared version is rejected. Stalled: point `spec.modelVersion` at another.',
        },
        {
          reason: 'ModelVersionNotReady',
          status: 'True',
          meaning: 'The declared version is not validated yet.',
        },
        {
          reason: 'ErrorRateExceeded',
          status: 'True',
          meaning: 'The canary answered too many 5xx; rolled back.',
        },
        {
          reason: 'LatencyExceeded',
          status: 'True',
          meaning: "The canary's p99 latency was over the bound; rolled back.",
        },
        {
          reason: 'PredictionDrift',
          status: 'True',
          meaning: "The canary's predictions differ from stable's; rolled back.",
        },
        {
          reason: 'CanaryUnavailable',
          status: 'True',
          meaning: 'No canary pod became available within 10 minutes; rolled back.',
        },
      ],
    },
    {
      type: 'Reconciling',
      reasons: [
        { reason: 'CanaryAnalysis', status: 'True', meaning: 'A canary rollout is in progress.' },
        { reason: 'Deploying', status: 'True', meaning: 'The serving Deployment is rolling out.' },
      ],
    },
  ],
  DriftMonitor: [
    {
      type: 'Ready',
      reasons: [
        {
          reason: 'Evaluated',
          status: 'True',
          meaning:
            'The last evaluation ran (with enough live rows or not); `Drifted` says what it found.',
        },
        {
          reason: 'InferenceServiceNotFound',
          status: 'False',
          meaning: 'The watched InferenceService does not exist; checked again every interval.',
        },
        {
          reason: 'BaselineNotFound',
          status: 'False',
          meaning: 'The baseline Dataset does not exist; checked again every interval.',
        },
        {
          reason: 'BaselineNotReady',
          status: 'False',
          meaning:
            'The baseline Dataset is not Ready, or its profile ConfigMap is missing; see the Dataset.',
        },
        {
          reason: 'InvalidFeatures',
          status: 'False',
          meaning:
            "A watched feature is not in the baseline, the live samples lack it, or its method does not suit its type; the message names it. Checked again every 30 s: fix the monitor's spec or the model.",
        },
      ],
    },
    {
      type: 'Drifted',
      reasons: [
        {
          reason: 'DriftDetected',
          status: 'True',
          meaning:
            'Live traffic drifted from the baseline; the message names the drifted features. The retrain action, if any, starts a TrainingJob.',
        },
        {
          reason: 'NoDrift',
          status: 'False',
          meaning: 'Live traffic matches the baseline.',
        },
        {
          reason: 'InsufficientData',
          status: 'Unknown',
          meaning:
            'Fewer live rows than `spec.window.minSamples` (or no Ready pod answered): nothing is judged, so there is no false alarm.',
        },
      ],
    },
  ],
};

/** The README's condition tables, rendered from `KindConditions` and `FailureReasons`. */
export function conditionTablesMarkdown(): string {
  const row = (type: string, doc: ReasonDoc) =>
    `| ${type} | ${doc.status} | \`${doc.reason}\` | ${doc.meaning} |`;
  const table = (rows: string[]) =>
    [
      '| condition | status | reason | meaning and what to do |',
      '| --- | --- | --- | --- |',
      ...rows,
    ].join('\n');
  const sections = Object.entries(KindConditions).map(([kind, conditions]) =>
    [
      `#### ${kind}`,
      '',
      table(conditions.flatMap((c) => c.reasons.map((doc) => row(c.type, doc)))),
    ].join('\n'),
  );
  return [
    ...sections,
    [
      '#### Any kind, when a reconcile fails',
      '',
      table(FailureReasons.map((doc) => row('Ready', doc))),
    ].join('\n'),
  ].join('\n\n');
}
