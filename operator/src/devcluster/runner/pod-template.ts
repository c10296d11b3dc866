/**
 * Pods made from a controller's pod template, as the ReplicaSet and Job controllers make
 * them. Pure but for the random name suffix.
 */
import { randomInt } from 'node:crypto';
import { canonicalJson } from '../core/json.js';
import { objectAt, stringsAt, type Json, type JsonObject, type ObjectIdentity } from './json.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';

/** The alphabet of Kubernetes' generated names (no vowels, no look-alikes). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Five random characters, as `generateName` appends them. */
export function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += ALPHABET[randomInt(ALPHABET.length)] ?? '';
  return suffix;
}

/**
 * The template's hash as the Deployment controller names its ReplicaSets and labels their
 * pods: FNV-1a (32-bit) of the template and, when not 0, the Deployment's collision count
 * (as ComputeHash in pkg/controller/controller_utils.go adds it), its decimal digits spelled
 * in ALPHABET. The template is serialised with sorted keys, so equal templates hash equally
 * however their keys were ordered.
 */
export function templateHash(template: Json, collisionCount = 0): string {
  let hash = 0x811c9dc5;
  const text = canonicalJson(template) + (collisionCount === 0 ? '' : String(collisionCount));
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return String(hash).replace(
    /\d/g,
    (digit) => ALPHABET[digit.charCodeAt(0) % ALPHABET.length] ?? '',
  );
}

export interface PodOwner {
  apiVersion: string;
  kind: string;
  object: ObjectIdentity;
}

/**
 * A new Pod of `template`, named `name`, in its owner's namespace: the template's labels
 * and annotations plus `labels` and `annotations`, controlled by the owner, and left for
 * the scheduler to bind.
 */
export function podFromTemplate(
  template: JsonObject,
  name: string,
  owner: PodOwner,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): JsonObject {
  const metadata = objectAt(template, 'metadata');
  const annotations = { ...stringsAt(metadata, 'annotations'), ...extra.annotations };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: owner.object.namespace,
      labels: { ...stringsAt(metadata, 'labels'), ...extra.labels },
      ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
      ownerReferences: [
        {
          apiVersion: owner.apiVersion,
          kind: owner.kind,
          name: owner.object.name,
          uid: owner.object.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: objectAt(template, 'spec') ?? {},
  };
}

/**
 * A new Pod of `replicaSet`'s template, named `<replicaSet>-<5 random>` as its
 * `generateName` would make it.
 */
export function newPod(replicaSet: ObjectIdentity, template: JsonObject): JsonObject {
  return podFromTemplate(template, `${replicaSet.name}-${randomSuffix()}`, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    object: replicaSet,
  });
}
