/**
 * The DriftMonitors' Prometheus metrics, on the operator's registry, per monitor and
 * feature of its last judged evaluation:
 * - `ferry_drift_score{namespace,monitor,feature,method}`: the figure compared with the
 *   threshold (the p-value for ks and chi2, the distance for psi, js and wasserstein);
 * - `ferry_drift_detected{namespace,monitor,feature}`: 1 when the feature drifted, else 0.
 * An evaluation with too few rows, or a deleted monitor, removes the monitor's series: no
 * figure is better than a stale one.
 */

import { Gauge, type Registry } from 'prom-client';
import type { FeatureDrift } from '../../drift/index.js';

type ScoreLabels = 'namespace' | 'monitor' | 'feature' | 'method';
type DetectedLabels = 'namespace' | 'monitor' | 'feature';

export interface MonitorId {
  namespace: string;
  monitor: string;
}

export class DriftMetrics {
  private readonly score: Gauge<ScoreLabels>;
  private readonly detected: Gauge<DetectedLabels>;
  /** The label sets each monitor set, so they can be removed. */
  private readonly series = new Map<string, FeatureDrift[]>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.score = new Gauge({
      name: 'ferry_drift_score',
      help: 'Drift figure of a feature in the last evaluation: the p-value for ks and chi2, the distance for psi, js and wasserstein.',
      labelNames: ['namespace', 'monitor', 'feature', 'method'],
      registers,
    });
    this.detected = new Gauge({
      name: 'ferry_drift_detected',
      help: 'Whether a feature drifted in the last evaluation (1) or not (0).',
      labelNames: ['namespace', 'monitor', 'feature'],
      registers,
    });
  }

  /** The monitor's series become `judged`; none when it is undefined. */
  record(id: MonitorId, judged: readonly FeatureDrift[] | undefined): void {
    this.forget(id);
    if (judged === undefined) return;
    for (const feature of judged) {
      const labels = { ...id, feature: feature.name };
      this.score.set({ ...labels, method: feature.method }, feature.score);
      this.detected.set(labels, feature.drifted ? 1 : 0);
    }
    this.series.set(`${id.namespace}/${id.monitor}`, [...judged]);
  }

  forget(id: MonitorId): void {
    const key = `${id.namespace}/${id.monitor}`;
    for (const feature of this.series.get(key) ?? []) {
      const labels = { ...id, feature: feature.name };
      this.score.remove({ ...labels, method: feature.method });
      this.detected.remove(labels);
    }
    this.series.delete(key);
  }
}
