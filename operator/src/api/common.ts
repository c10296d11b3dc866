/** Schema pieces shared by several kinds: references, conditions, metrics and gates. */

import {
  array,
  enumeration,
  integer,
  map,
  number,
  object,
  string,
  timestamp,
  type Infer,
} from './schema.js';

/** RFC 1123 label: what Kubernetes requires of namespace and Service names. */
export const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** RFC 1123 subdomain: what Kubernetes requires of most object names. */
export const DNS1123_SUBDOMAIN =
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const SHA256_HEX = '^[a-f0-9]{64}$';

/** A reference to an object of a known kind in the same namespace. */
export function localObjectReference(description: string) {
  return object(
    description,
    {
      name: string('Name of the referenced object, in the same namespace.', {
        pattern: DNS1123_SUBDOMAIN,
        maxLength: 253,
      }),
    },
    { required: ['name'] },
  );
}

export function objectName(description: string) {
  return string(description, { pattern: DNS1123_SUBDOMAIN, maxLength: 253 });
}

/** A model name: the key under which versions are registered and served. */
export function modelName(description: string) {
  return string(description, { pattern: DNS1123_LABEL, minLength: 1, maxLength: 63 });
}

export const ConditionStatus = ['True', 'False', 'Unknown'] as const;

/** metav1.Condition, field for field, so tools that read conditions read Ferry's. */
export const condition = object(
  'One aspect of the current state of this object (Kubernetes condition shape).',
  {
    type: string('Type of condition in CamelCase, such as Ready.', {
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
      maxLength: 316,
    }),
    status: enumeration('Status of the condition: True, False or Unknown.', ConditionStatus),
    observedGeneration: integer('The .metadata.generation this condition was computed from.', {
      minimum: 0,
    }),
    lastTransitionTime: timestamp('When the condition last changed from one status to another.'),
    reason: string('Programmatic identifier in CamelCase for the last transition.', {
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      minLength: 1,
      maxLength: 1024,
    }),
    message: string('Human-readable details about the last transition.', { maxLength: 32768 }),
  },
  { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);
export type Condition = Infer<typeof condition>;

export const conditions = array(
  'Current state of this object, one entry per condition type. Ready is always present.',
  condition,
  { listType: 'map', listMapKeys: ['type'], maxItems: 16 },
);

export const observedGeneration = integer(
  'The .metadata.generation that the controller last acted on.',
  { minimum: 0 },
);

export function metricsMap(description: string) {
  return map(description, number('Value of the metric.'));
}

/** A rule a model's metrics must satisfy, such as `accuracy >= 0.9`. */
export const gate = object(
  'A bound that one metric must satisfy.',
  {
    metric: string('Name of the metric, as reported in metrics.', { minLength: 1, maxLength: 63 }),
    min: number('The metric must be at least this value.'),
    max: number('The metric must be at most this value.'),
  },
  { required: ['metric'] },
);
export type Gate = Infer<typeof gate>;

export const gates = array('Bounds that metrics must satisfy, all of them.', gate, {
  maxItems: 32,
});
