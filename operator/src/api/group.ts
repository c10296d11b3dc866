/** Ferry's API group, version, and the names every part of the system shares (docs/architecture.md, "Names"). */

/** The product: npm package, CLI binary and the name in every user-facing string. */
export const PRODUCT = 'ferry';

export const GROUP = 'ml.ferry.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** The kubectl category under which `kubectl get ferry` lists all five kinds. */
export const CATEGORY = 'ferry';

export const FINALIZER = 'ml.ferry.dev/finalizer';

export const FieldManager = {
  operator: 'ferry-operator',
  gitops: 'ferry-gitops',
} as const;

/** Labels and annotations, all under the `ferry.dev/` prefix. */
export const Labels = {
  managedBy: 'ferry.dev/managed-by',
  gitCommit: 'ferry.dev/git-commit',
  gitPath: 'ferry.dev/git-path',
  model: 'ferry.dev/model',
  track: 'ferry.dev/track',
  retry: 'ferry.dev/retry',
  /** Annotation on a TrainingJob: a new value requests a new run (`ferry train`). */
  run: 'ferry.dev/run',
  /** On a run's Job, Pods and ModelVersion: the run's name, `<trainingjob>-<id>`. */
  trainingRun: 'ferry.dev/training-run',
  /** On objects the operator applies: the sha256 of what it applied last. */
  appliedHash: 'ferry.dev/applied-hash',
  /** On a retraining TrainingJob: the DriftMonitor that created it. */
  driftMonitor: 'ferry.dev/drift-monitor',
  /** On a retraining TrainingJob: when the evaluation that created it ran. */
  driftEvaluation: 'ferry.dev/drift-evaluation',
  /** On a retraining TrainingJob: the features that had drifted, comma-separated. */
  driftedFeatures: 'ferry.dev/drifted-features',
} as const;

/** Kubernetes' recommended label naming the tool that manages an object, and Ferry's value. */
export const AppManagedBy = { label: 'app.kubernetes.io/managed-by', ferry: 'ferry' } as const;

/**
 * The repository of Ferry's own image, which runs the `ferry` CLI (`ferry serve` in model
 * server pods). The local runner of `ferry up` runs containers of this image as local
 * `ferry` processes.
 */
export const FERRY_IMAGE_REPOSITORY = 'ghcr.io/ferry-ml/ferry';
