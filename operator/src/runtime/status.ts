/**
 * Status writes that only happen when something changed, so resyncing a converged
 * object costs no write at all.
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';
import type { Resource } from './resource.js';
import { statusChanged } from './status-changed.js';

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
