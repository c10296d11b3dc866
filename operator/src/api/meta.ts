/** The object envelope shared by every Ferry resource: apiVersion, kind and ObjectMeta. */

import {
  array,
  boolean,
  integer,
  map,
  object,
  string,
  timestamp,
  json,
  type Infer,
} from './schema.js';
import { DNS1123_LABEL, DNS1123_SUBDOMAIN } from './common.js';

const ownerReference = object(
  'An object that owns this one; it is garbage-collected with its owner.',
  {
    apiVersion: string('API version of the owner.'),
    kind: string('Kind of the owner.'),
    name: string('Name of the owner.'),
    uid: string('UID of the owner.'),
    controller: boolean('Whether the owner is the managing controller.'),
    blockOwnerDeletion: boolean('Whether the owner waits for this object to be deleted.'),
  },
  { required: ['apiVersion', 'kind', 'name', 'uid'] },
);

/**
 * ObjectMeta as users write it in manifests, plus the fields the server sets. The CRDs
 * declare metadata as a bare object (Kubernetes owns its schema); `ferry validate` uses
 * this one so unknown or malformed metadata is caught before it reaches a cluster.
 */
export const objectMeta = object('Standard object metadata.', {
  name: string('Name of the object, unique within its namespace and kind.', {
    pattern: DNS1123_SUBDOMAIN,
    maxLength: 253,
  }),
  generateName: string('Prefix for a server-generated name.'),
  namespace: string('Namespace of the object.', { pattern: DNS1123_LABEL, maxLength: 63 }),
  labels: map('Labels, for selection.', string('A label value.', { maxLength: 63 })),
  annotations: map('Annotations, for tools.', string('An annotation value.')),
  finalizers: array('Finalizers that must be removed before deletion.', string('A finalizer.')),
  ownerReferences: array('Owners of this object.', ownerReference),
  uid: string('Unique ID set by the server.'),
  resourceVersion: string('Version of the object set by the server.'),
  generation: integer('Generation of the desired state, set by the server.'),
  creationTimestamp: timestamp('When the object was created.'),
  deletionTimestamp: timestamp('When deletion was requested.'),
  deletionGracePeriodSeconds: integer('Grace period of a pending deletion.'),
  managedFields: array('Field ownership for server-side apply.', json('An entry.')),
  selfLink: string('Deprecated link to the object.'),
});
export type ObjectMeta = Infer<typeof objectMeta>;

/** A Ferry object as stored: typed spec and (optional) status. */
export interface FerryObject<Spec, Status> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}
