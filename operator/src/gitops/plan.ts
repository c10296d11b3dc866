/**
 * What one sync does, decided from what the commit declares and which objects carrying
 * `ferry.dev/managed-by: gitops` exist. Pure.
 *
 * - Apply, in dependency order: CustomResourceDefinitions and Namespaces, then Datasets,
 *   ModelVersions, TrainingJobs, InferenceServices, DriftMonitors, then every other kind;
 *   within a tier, in file and document order. An object whose live copy carries the same
 *   `ferry.dev/applied-hash` is left alone.
 * - Prune the live objects that carry the label and are no longer declared, in reverse
 *   dependency order. An object without the label is never pruned.
 *
 * Objects are compared by API group, kind, namespace and name (not by API version). A
 * manifest without a namespace means `defaultNamespace` for a namespaced kind; a live
 * object without one is cluster-scoped and matches on its name alone.
 */

import { GROUP, Labels } from '../api/index.js';
import { MANAGED_BY_GITOPS, type DesiredObject, type ObjectRef } from './desired.js';

/** A live object as listed from the API server. */
export interface LiveObject extends ObjectRef {
  labels: Readonly<Record<string, string>>;
  /** Its `ferry.dev/applied-hash`, when it has one. */
  appliedHash?: string;
}

export interface SyncPlan {
  /** To apply, in order. */
  apply: DesiredObject[];
  /** Declared and already live as declared. */
  unchanged: DesiredObject[];
  /** To delete, in order. */
  prune: LiveObject[];
}

const TIER_OF: Readonly<Record<string, number>> = {
  'apiextensions.k8s.io/CustomResourceDefinition': 0,
  '/Namespace': 0,
  [`${GROUP}/Dataset`]: 1,
  [`${GROUP}/ModelVersion`]: 2,
  [`${GROUP}/TrainingJob`]: 3,
  [`${GROUP}/InferenceService`]: 4,
  [`${GROUP}/DriftMonitor`]: 5,
};
const OTHER_KINDS_TIER = 6;

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** The apply tier of a kind: lower tiers are applied first and pruned last. */
export function applyTier(object: Pick<ObjectRef, 'apiVersion' | 'kind'>): number {
  return TIER_OF[`${groupOf(object.apiVersion)}/${object.kind}`] ?? OTHER_KINDS_TIER;
}

function nameKey(object: ObjectRef): string {
  return `${groupOf(object.apiVersion)}/${object.kind}/${object.name}`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function planSync(
  live: readonly LiveObject[],
  desired: readonly DesiredObject[],
  defaultNamespace: string,
): SyncPlan {
  const liveByName = new Map<string, LiveObject[]>();
  for (const object of live) {
    const key = nameKey(object);
    liveByName.set(key, [...(liveByName.get(key) ?? []), object]);
  }
  const matches = (want: DesiredObject, have: LiveObject): boolean =>
    have.namespace === undefined || have.namespace === (want.namespace ?? defaultNamespace);

  const declared = new Set<LiveObject>();
  const apply: DesiredObject[] = [];
  const unchanged: DesiredObject[] = [];
  for (const want of desired) {
    const found = (liveByName.get(nameKey(want)) ?? []).filter((have) => matches(want, have));
    for (const have of found) declared.add(have);
    if (found.some((have) => have.appliedHash === want.hash)) unchanged.push(want);
    else apply.push(want);
  }
  // Array.prototype.sort is stable: file and document order holds within a tier.
  apply.sort((a, b) => applyTier(a) - applyTier(b));

  const prune = live
    .filter((have) => !declared.has(have) && have.labels[Labels.managedBy] === MANAGED_BY_GITOPS)
    .sort(
      (a, b) =>
        applyTier(b) - applyTier(a) ||
        compareText(nameKey(a), nameKey(b)) ||
        compareText(a.namespace ?? '', b.namespace ?? ''),
    );
  return { apply, unchanged, prune };
}
