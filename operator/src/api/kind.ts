/** What Ferry knows about each of its kinds: names, schemas, printer columns, references. */

import type { Schema } from './schema.js';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  /** 0 shows in `kubectl get`; 1 only with `-o wide`. */
  priority?: number;
}

/**
 * A field of one kind that names an object of another kind in the same namespace.
 * `path` leads to the name string; `*` steps into every element of an array.
 */
export interface Reference {
  path: readonly string[];
  targetKind: string;
  /**
   * `manifests`: the target is expected among the same manifests (an error when missing);
   * `cluster`: the target is usually created in the cluster by Ferry itself (a warning).
   */
  expectedIn: 'manifests' | 'cluster';
}

export interface KindDefinition<Spec = unknown, Status = unknown> {
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  /** One paragraph for `kubectl explain <kind>`. */
  description: string;
  spec: Schema<Spec>;
  status: Schema<Status>;
  printerColumns: readonly PrinterColumn[];
  references: readonly Reference[];
}

export function readyColumn(): PrinterColumn {
  return {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: 'Whether the object is ready.',
  };
}

export function ageColumn(): PrinterColumn {
  return {
    name: 'Age',
    type: 'date',
    jsonPath: '.metadata.creationTimestamp',
    description: 'Time since the object was created.',
  };
}
