/** Builds apiextensions.k8s.io/v1 CustomResourceDefinitions from the kind definitions. */

import { API_VERSION, CATEGORY, GROUP, VERSION } from './group.js';
import type { KindDefinition } from './kind.js';
import type { JSONSchemaProps } from './schema.js';

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: 'Namespaced';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: {
        name: string;
        type: string;
        jsonPath: string;
        description: string;
        priority?: number;
      }[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }[];
  };
}

/** The whole-object schema of a kind, as the CRD declares it. */
export function openAPIV3Schema(definition: KindDefinition): JSONSchemaProps {
  return {
    type: 'object',
    description: definition.description,
    properties: {
      apiVersion: {
        type: 'string',
        description: `APIVersion of this object: ${API_VERSION}.`,
      },
      kind: { type: 'string', description: `Kind of this object: ${definition.kind}.` },
      // Only `type: object`: kube-apiserver refuses any other keyword on the root metadata,
      // a description included ("metadata is implicitly specified"); kubectl explain takes
      // ObjectMeta's documentation from the server.
      metadata: { type: 'object' },
      spec: definition.spec.json,
      status: definition.status.json,
    },
    required: ['spec'],
  };
}

export function customResourceDefinition(definition: KindDefinition): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${definition.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'ferry' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: definition.kind,
        listKind: definition.listKind,
        plural: definition.plural,
        singular: definition.singular,
        shortNames: [...definition.shortNames],
        categories: [CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: definition.printerColumns.map((column) => ({ ...column })),
          schema: { openAPIV3Schema: openAPIV3Schema(definition) },
        },
      ],
    },
  };
}

/** File name of a kind's CRD under crds/, in controller-gen's `<group>_<plural>.yaml` form. */
export function crdFileName(definition: KindDefinition): string {
  return `${GROUP}_${definition.plural}.yaml`;
}
