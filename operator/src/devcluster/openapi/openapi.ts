/**
 * OpenAPI v3 as `kubectl apply` and `kubectl explain` need it: an index of group/version
 * documents, and per document the paths (each PATCH operation tagged with
 * `x-kubernetes-group-version-kind` and a `fieldValidation` parameter) and
 * `components.schemas` holding each kind's schema: the CRD's openAPIV3Schema for custom
 * resources, and for built-ins their field schemas from client-node's models (see
 * builtin-schemas.ts), with the real ObjectMeta for both. Strategic merge is not
 * advertised in v3, and the v2 document (`/openapi/v2`) keeps built-in kinds open: kubectl
 * apply reads patch strategies from whichever document describes a kind, and these
 * schemas have none, so it keeps its compiled-in patch metadata for built-ins and merge
 * patches for custom resources.
 */
import { createHash } from 'node:crypto';
import { clone, isObject, type JsonObject } from '../core/json.js';
import type { Registry } from '../registry/registry.js';
import type { ResourceType } from '../registry/types.js';
import { builtinComponents, OBJECT_META_NAME, objectMetaComponents } from './builtin-schemas.js';

const BUILTIN_PACKAGES: Readonly<Record<string, string>> = {
  '': 'io.k8s.api.core',
  batch: 'io.k8s.api.batch',
  apps: 'io.k8s.api.apps',
  'coordination.k8s.io': 'io.k8s.api.coordination',
  'discovery.k8s.io': 'io.k8s.api.discovery',
  'events.k8s.io': 'io.k8s.api.events',
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
};

/** `dev.ferry.ml.v1alpha1.Dataset` for custom kinds, `io.k8s.api.core.v1.Pod` for built-ins. */
export function schemaName(type: ResourceType): string {
  const prefix = type.crdName === undefined ? BUILTIN_PACKAGES[type.group] : undefined;
  const base = prefix ?? type.group.split('.').reverse().join('.');
  return `${base}.${type.version}.${type.kind}`;
}

/** `api/v1` or `apis/<group>/<version>`. */
export function documentPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function gvk(type: ResourceType): JsonObject {
  return { group: type.group, version: type.version, kind: type.kind };
}

/**
 * A kind's schema and the components it refers to, under their names: a built-in's field
 * schemas when `fields` and client-node models it, else an open schema.
 */
function kindSchemas(type: ResourceType, fields: boolean): JsonObject {
  const name = schemaName(type);
  const builtin =
    fields && type.schema === undefined
      ? builtinComponents(type.group, type.version, type.kind, name)
      : undefined;
  const components = builtin ?? { [name]: openSchema(type) };
  const own = components[name];
  if (isObject(own)) components[name] = tagged(type, own);
  return components;
}

function openSchema(type: ResourceType): JsonObject {
  return type.schema !== undefined ? clone(type.schema) : builtinSchema(type);
}

function tagged(type: ResourceType, source: JsonObject): JsonObject {
  const properties = isObject(source['properties']) ? source['properties'] : {};
  properties['metadata'] = {
    description:
      "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    allOf: [{ $ref: `#/components/schemas/${OBJECT_META_NAME}` }],
  };
  source['properties'] = properties;
  source['x-kubernetes-group-version-kind'] = [gvk(type)];
  return source;
}

function builtinSchema(type: ResourceType): JsonObject {
  return {
    type: 'object',
    description: `${type.kind} (${type.group === '' ? 'core' : type.group}/${type.version}), served by devcluster; its fields are described in /openapi/v3.`,
    properties: {
      apiVersion: {
        type: 'string',
        description: 'APIVersion defines the versioned schema of this representation of an object.',
      },
      kind: {
        type: 'string',
        description:
          'Kind is a string value representing the REST resource this object represents.',
      },
      spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    'x-kubernetes-preserve-unknown-fields': true,
  };
}

function queryParameter(name: string, description: string, type = 'string'): JsonObject {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const PATH_NAME: JsonObject = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'name of the object',
  schema: { type: 'string', uniqueItems: true },
};
const PATH_NAMESPACE: JsonObject = {
  name: 'namespace',
  in: 'path',
  required: true,
  description: 'object name and auth scope',
  schema: { type: 'string', uniqueItems: true },
};

const WRITE_PARAMETERS = [
  queryParameter('dryRun', 'When present, indicates that modifications should not be persisted.'),
  queryParameter(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  queryParameter(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn (default), Strict.',
  ),
];

function operations(type: ResourceType, subresource: string): JsonObject {
  const ref = { $ref: `#/components/schemas/${schemaName(type)}` };
  const json = { 'application/json': { schema: ref } };
  const tag = `${type.kind}${subresource === '' ? '' : 'Status'}`;
  const op = (action: string, extra: JsonObject = {}): JsonObject => ({
    operationId: `${action}${tag}`,
    responses: { '200': { description: 'OK', content: json } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk(type),
    ...extra,
  });
  return {
    get: op('get'),
    put: op('put', {
      parameters: WRITE_PARAMETERS,
      requestBody: { content: json, required: true },
    }),
    patch: op('patch', {
      parameters: [
        ...WRITE_PARAMETERS,
        queryParameter('force', 'Force is going to "force" Apply requests.', 'boolean'),
      ],
      requestBody: {
        content: {
          'application/json-patch+json': { schema: { type: 'object' } },
          'application/merge-patch+json': { schema: { type: 'object' } },
          'application/apply-patch+yaml': { schema: { type: 'object' } },
        },
        required: true,
      },
    }),
    delete: op('delete'),
  };
}

function paths(type: ResourceType): JsonObject {
  const base = `/${documentPath(type.group, type.version)}`;
  const scoped = type.namespaced
    ? `${base}/namespaces/{namespace}/${type.resource}`
    : `${base}/${type.resource}`;
  const scope = type.namespaced ? [PATH_NAMESPACE] : [];
  const result: JsonObject = {
    [`${scoped}/{name}`]: { ...operations(type, ''), parameters: [PATH_NAME, ...scope] },
    [scoped]: {
      get: {
        operationId: `list${type.kind}`,
        'x-kubernetes-action': 'list',
        'x-kubernetes-group-version-kind': gvk(type),
        responses: { '200': { description: 'OK' } },
      },
      post: {
        operationId: `create${type.kind}`,
        'x-kubernetes-action': 'post',
        'x-kubernetes-group-version-kind': gvk(type),
        parameters: WRITE_PARAMETERS,
        responses: { '201': { description: 'Created' } },
      },
      parameters: scope,
    },
  };
  if (type.hasStatus)
    result[`${scoped}/{name}/status`] = {
      ...operations(type, 'status'),
      parameters: [PATH_NAME, ...scope],
    };
  return result;
}

/** Caches documents per registry revision; hashes let kubectl cache them too. */
export class OpenApi {
  private revision = -1;
  private documents = new Map<string, { text: string; hash: string }>();
  private swaggerText: string | undefined;

  constructor(private readonly registry: Registry) {}

  private refresh(): void {
    if (this.revision === this.registry.revision) return;
    this.revision = this.registry.revision;
    this.documents = new Map();
    this.swaggerText = undefined;
    for (const { group, version } of this.registry.groupVersions()) {
      const types = this.registry
        .all()
        .filter((type) => type.group === group && type.version === version);
      const schemas: JsonObject = objectMetaComponents();
      let allPaths: JsonObject = {};
      for (const type of types) {
        Object.assign(schemas, kindSchemas(type, true));
        allPaths = { ...allPaths, ...paths(type) };
      }
      const document = {
        openapi: '3.0.0',
        info: { title: 'Kubernetes', version: 'v1.32.0' },
        paths: allPaths,
        components: { schemas },
      };
      const text = JSON.stringify(document);
      const hash = createHash('sha512').update(text).digest('hex').slice(0, 64).toUpperCase();
      this.documents.set(documentPath(group, version), { text, hash });
    }
  }

  /**
   * Swagger 2.0 (`/openapi/v2`) in JSON: every served kind's schema under `definitions`,
   * tagged with its group/version/kind. Paths are left out; v3 carries them.
   */
  swagger(): string {
    this.refresh();
    if (this.swaggerText !== undefined) return this.swaggerText;
    const definitions: JsonObject = objectMetaComponents();
    for (const type of this.registry.all()) Object.assign(definitions, kindSchemas(type, false));
    const document = {
      swagger: '2.0',
      info: { title: 'Kubernetes', version: 'v1.32.0' },
      paths: {},
      definitions,
    };
    this.swaggerText = JSON.stringify(document).replaceAll(
      '#/components/schemas/',
      '#/definitions/',
    );
    return this.swaggerText;
  }

  index(): JsonObject {
    this.refresh();
    const entries: JsonObject = {};
    for (const [path, { hash }] of this.documents)
      entries[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
    return { paths: entries };
  }

  /** The JSON text of one document, or undefined. */
  document(path: string): string | undefined {
    this.refresh();
    return this.documents.get(path)?.text;
  }
}
