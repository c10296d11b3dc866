/**
 * Writes that only happen when something changed, so resyncing a converged object costs
 * no write at all: status through `applyStatusIfChanged`, owned objects through
 * `applyIfChanged`.
 */

import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient, ObjectLike } from './client.js';
import type { Resource } from './resource.js';
import { jsonContains, statusChanged } from './status-changed.js';

/**
 * Server-side applies `status` to the object's status subresource when it differs from
 * the status the object has; returns whether a write happened.
 */
export async function applyStatusIfChanged(
  client: KubeClient,
  resource: Resource,
  object: KubernetesObject & { status?: unknown },
  status: unknown,
  fieldManager: string,
): Promise<boolean> {
  if (!statusChanged(object.status, status)) return false;
  await client.applyStatus(
    resource,
    object.metadata?.namespace ?? 'default',
    object.metadata?.name ?? '',
    status,
    fieldManager,
  );
  return true;
}

/**
 * Server-side applies `desired` unless `current` (the cached copy) already holds all of it.
 * `desired` is stamped with the sha256 of its own JSON under the annotation `hashAnnotation`,
 * so a field dropped from `desired` (which an apply would remove) changes the stamp and
 * forces the apply, while a field someone else changed makes `current` differ and is set
 * back. Returns whether a write happened.
 */
export async function applyIfChanged(
  client: KubeClient,
  desired: ObjectLike,
  current: KubernetesObject | undefined,
  fieldManager: string,
  hashAnnotation: string,
): Promise<boolean> {
  const hash = createHash('sha256').update(JSON.stringify(desired)).digest('hex');
  const stamped = {
    ...desired,
    metadata: {
      ...desired.metadata,
      annotations: { ...desired.metadata?.annotations, [hashAnnotation]: hash },
    },
  };
  if (current !== undefined && jsonContains(current, stamped)) return false;
  await client.apply(stamped, fieldManager);
  return true;
}
