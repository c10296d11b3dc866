/** A trimmed ObjectMeta schema so `kubectl explain <kind>.metadata` has something to show. */
import type { JsonObject } from '../core/json.js';

export const OBJECT_META_NAME = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

const map = (description: string): JsonObject => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string', default: '' },
});

export const OBJECT_META: JsonObject = {
  type: 'object',
  description:
    'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
  properties: {
    name: { type: 'string', description: 'Name must be unique within a namespace.' },
    generateName: {
      type: 'string',
      description:
        'GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.',
    },
    namespace: {
      type: 'string',
      description: 'Namespace defines the space within which each name must be unique.',
    },
    uid: {
      type: 'string',
      description: 'UID is the unique in time and space value for this object.',
    },
    resourceVersion: {
      type: 'string',
      description: 'An opaque value that represents the internal version of this object.',
    },
    generation: {
      type: 'integer',
      format: 'int64',
      description: 'A sequence number representing a specific generation of the desired state.',
    },
    creationTimestamp: {
      type: 'string',
      format: 'date-time',
      description:
        'CreationTimestamp is a timestamp representing the server time when this object was created.',
    },
    deletionTimestamp: {
      type: 'string',
      format: 'date-time',
      description:
        'DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted.',
    },
    labels: map(
      'Map of string keys and values that can be used to organize and categorize (scope and select) objects.',
    ),
    annotations: map('Annotations is an unstructured key value map stored with a resource.'),
    finalizers: {
      type: 'array',
      description: 'Must be empty before the object is deleted from the registry.',
      items: { type: 'string', default: '' },
    },
    ownerReferences: {
      type: 'array',
      description: 'List of objects depended by this object.',
      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    managedFields: {
      type: 'array',
      description:
        'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.',
      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  },
};
