/**
 * The Pods a Deployment owns, as the ReplicaSet controller would make them (devcluster
 * has no ReplicaSet kind, so they belong to the Deployment directly). Pure but for the
 * random name suffix.
 */
import { randomInt } from 'node:crypto';
import {
  isObject,
  objectAt,
  stringsAt,
  type Json,
  type JsonObject,
  type ObjectIdentity,
} from './json.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';

/** The alphabet of Kubernetes' generated names (no vowels, no look-alikes). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The template's hash as the Deployment controller labels pods with it: FNV-1a (32-bit)
 * of the template, its decimal digits spelled in ALPHABET. The template is serialised with
 * sorted keys, so equal templates hash equally however their keys were ordered.
 */
export function templateHash(template: Json): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(canonical(template), 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return String(hash).replace(
    /\d/g,
    (digit) => ALPHABET[digit.charCodeAt(0) % ALPHABET.length] ?? '',
  );
}

function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (!isObject(value)) return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key] ?? null)}`).join(',')}}`;
}

/**
 * A new Pod of `deployment`'s template: named `<deployment>-<hash>-<5 random>`, labelled
 * with the template's labels and `pod-template-hash`, controlled by the Deployment, and
 * bound to `nodeName`.
 */
export function newPod(
  deployment: ObjectIdentity,
  template: JsonObject,
  hash: string,
  nodeName: string,
): JsonObject {
  const metadata = objectAt(template, 'metadata');
  const annotations = stringsAt(metadata, 'annotations');
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += ALPHABET[randomInt(ALPHABET.length)] ?? '';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${deployment.name}-${hash}-${suffix}`,
      namespace: deployment.namespace,
      labels: { ...stringsAt(metadata, 'labels'), [POD_TEMPLATE_HASH]: hash },
      ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: deployment.name,
          uid: deployment.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { ...(objectAt(template, 'spec') ?? {}), nodeName },
  };
}
