/**
 * `Table` (meta.k8s.io/v1) responses, as `kubectl get` asks for them: a NAME column, the
 * resource's columns, and one row per object whose `object` is a PartialObjectMetadata
 * (includeObject=Metadata, the default), the full object (Object) or absent (None).
 */
import { isObject, stringAt, type Json, type JsonObject } from '../core/json.js';
import type { Column } from '../registry/types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const NAME_COLUMN = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

/** The PartialObjectMetadata form of an object (managedFields dropped, as kubectl expects). */
export function partialMetadata(object: JsonObject): JsonObject {
  const metadata = isObject(object['metadata']) ? { ...object['metadata'] } : {};
  delete metadata['managedFields'];
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

export function toTable(
  columns: readonly Column[],
  objects: readonly JsonObject[],
  now: number,
  include: IncludeObject,
  listMetadata: JsonObject,
): JsonObject {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMetadata,
    columnDefinitions: [
      NAME_COLUMN,
      ...columns.map((column) => ({
        name: column.name,
        type: column.type,
        format: column.format,
        description: column.description,
        priority: column.priority,
      })),
    ],
    rows: objects.map((object) => {
      const row: JsonObject = {
        cells: [
          stringAt(object, 'metadata', 'name') ?? '',
          ...columns.map((column): Json => column.cell(object, now)),
        ],
      };
      if (include === 'Metadata') row['object'] = partialMetadata(object);
      else if (include === 'Object') row['object'] = object;
      return row;
    }),
  };
}
