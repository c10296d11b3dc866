/**
 * The sync's writes and reads against the API server: listing the objects it manages,
 * applying (server-side apply as `ferry-gitops`, forcing ownership of the fields git
 * declares) and pruning. Failures are collected per object, never thrown.
 */

import { FieldManager, Labels } from '../api/index.js';
import { apiErrorMessage, type KubeClient } from '../runtime/client.js';
import { MANAGED_BY_GITOPS, type DesiredObject, type ObjectRef } from './desired.js';
import { applyTier, groupOf, type LiveObject } from './plan.js';

/** Objects applied at once within one tier. */
const APPLY_CONCURRENCY = 8;

interface Listed {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

function describe(object: ObjectRef): string {
  const where = object.namespace === undefined ? '' : `${object.namespace}/`;
  return `${object.kind}/${where}${object.name}`;
}

/**
 * Every object of `kinds` that carries `ferry.dev/managed-by: gitops`, in every namespace.
 * Kinds the server does not serve (any more) are skipped; one version per group and kind.
 */
export async function listManaged(
  client: KubeClient,
  kinds: readonly { apiVersion: string; kind: string }[],
): Promise<LiveObject[]> {
  const seen = new Set<string>();
  const live: LiveObject[] = [];
  for (const { apiVersion, kind } of kinds) {
    const key = `${groupOf(apiVersion)}/${kind}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const resource = await client.discover(apiVersion, kind);
    if (resource === undefined) continue;
    const { items } = await client.list<Listed>(resource, {
      labelSelector: `${Labels.managedBy}=${MANAGED_BY_GITOPS}`,
    });
    for (const item of items) {
      const metadata = item.metadata ?? {};
      const appliedHash = metadata.annotations?.[Labels.appliedHash];
      live.push({
        apiVersion,
        kind,
        name: metadata.name ?? '',
        ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
        labels: metadata.labels ?? {},
        ...(appliedHash === undefined ? {} : { appliedHash }),
      });
    }
  }
  return live;
}

async function inPool<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(APPLY_CONCURRENCY, items.length) }, worker));
}

/**
 * Applies `objects` (already in dependency order) tier by tier, each stamped with
 * `ferry.dev/git-commit: revision`. Returns one line per object that failed.
 */
export async function applyObjects(
  client: KubeClient,
  objects: readonly DesiredObject[],
  revision: string,
): Promise<string[]> {
  const failures: string[] = [];
  const tiers = new Map<number, DesiredObject[]>();
  for (const object of objects) {
    const tier = applyTier(object);
    tiers.set(tier, [...(tiers.get(tier) ?? []), object]);
  }
  for (const tier of [...tiers.keys()].sort((a, b) => a - b)) {
    await inPool(tiers.get(tier) ?? [], async (object) => {
      const metadata = object.body.metadata as { annotations: Record<string, string> };
      const body = {
        ...object.body,
        metadata: {
          ...metadata,
          annotations: { ...metadata.annotations, [Labels.gitCommit]: revision },
        },
      };
      try {
        await client.apply(body, FieldManager.gitops, true);
      } catch (error) {
        failures.push(`${object.gitPath}  ${describe(object)}  ${apiErrorMessage(error)}`);
      }
    });
  }
  return failures;
}

/** Deletes `objects` in order. Returns one line per object that could not be deleted. */
export async function pruneObjects(
  client: KubeClient,
  objects: readonly LiveObject[],
): Promise<string[]> {
  const failures: string[] = [];
  for (const object of objects) {
    try {
      const resource = await client.discover(object.apiVersion, object.kind);
      if (resource !== undefined) await client.delete(resource, object.namespace, object.name);
    } catch (error) {
      failures.push(`${describe(object)}  ${apiErrorMessage(error)}`);
    }
  }
  return failures;
}
