/**
 * Merging the `/samples` snapshots of several pods into one, for the DriftMonitor and the
 * canary analysis. Pure given `random`.
 */
import type { JsonElement } from './datatype.js';
import type { FeatureSample, SamplesSnapshot } from './samples.js';

/**
 * One snapshot holding a uniform sample of up to `capacity` rows drawn from all the rows the
 * given snapshots saw. A pod's held rows each stand for `seen / size` served rows, so a busy
 * pod weighs more than an idle one (weighted sampling without replacement, Efraimidis–Spirakis
 * A-Res). Snapshots with the same `instance` (one pod read twice) count once, the one that saw
 * more. Features are the union by name; a row from a pod without a feature has null there.
 * `seen` is the sum, `started` the earliest, `instance` and `model_version` the distinct
 * values joined by commas.
 */
export function mergeSamples(
  snapshots: readonly SamplesSnapshot[],
  capacity: number,
  random: () => number = Math.random,
): SamplesSnapshot {
  const byInstance = new Map<string, SamplesSnapshot>();
  for (const snapshot of snapshots) {
    const known = byInstance.get(snapshot.instance);
    if (known === undefined || snapshot.seen > known.seen)
      byInstance.set(snapshot.instance, snapshot);
  }
  const unique = [...byInstance.values()];
  const keyed: { key: number; from: SamplesSnapshot; row: number }[] = [];
  for (const from of unique) {
    if (from.size === 0) continue;
    const weight = from.seen / from.size;
    for (let row = 0; row < from.size; row++) {
      keyed.push({ key: Math.pow(random(), 1 / weight), from, row });
    }
  }
  const chosen = keyed.sort((a, b) => b.key - a.key).slice(0, capacity);
  const merge = (side: 'inputs' | 'outputs'): FeatureSample[] => {
    const shapes = new Map<string, Omit<FeatureSample, 'values'>>();
    for (const snapshot of unique) {
      for (const { values: _values, ...feature } of snapshot[side]) {
        if (!shapes.has(feature.name)) shapes.set(feature.name, feature);
      }
    }
    const columns = new Map(
      unique.map((snapshot) => [
        snapshot,
        new Map(snapshot[side].map((feature) => [feature.name, feature.values])),
      ]),
    );
    return [...shapes.values()].map((feature) => ({
      ...feature,
      values: chosen.map(
        ({ from, row }): JsonElement | null => columns.get(from)?.get(feature.name)?.[row] ?? null,
      ),
    }));
  };
  const distinct = (values: readonly string[]): string => [...new Set(values)].join(',');
  return {
    model_name: distinct(unique.map((snapshot) => snapshot.model_name)),
    model_version: distinct(unique.map((snapshot) => snapshot.model_version)),
    instance: distinct(unique.map((snapshot) => snapshot.instance)),
    started: unique.map((snapshot) => snapshot.started).sort()[0] ?? new Date(0).toISOString(),
    capacity,
    seen: unique.reduce((sum, snapshot) => sum + snapshot.seen, 0),
    size: chosen.length,
    inputs: merge('inputs'),
    outputs: merge('outputs'),
  };
}
