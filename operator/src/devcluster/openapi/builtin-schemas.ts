/**
 * OpenAPI v3 field schemas of the built-in kinds, for `kubectl explain`: generated when
 * first asked for from @kubernetes/client-node's models, which are generated from the
 * Kubernetes OpenAPI. A model's attribute type map gives each field's JSON name and type
 * (the same source the pruning shapes come from, so explain shows exactly the fields
 * devcluster keeps); its declaration file gives the descriptions and which fields are
 * required. Component names are Kubernetes' own (`io.k8s.api.apps.v1.DeploymentSpec`),
 * the package of each type read from the `k8s.io/api` protobuf descriptions when kubectl
 * provides them, else that of the kind that refers to it. The models are Kubernetes
 * 1.34's, so a few fields newer than 1.32 are shown. Patch strategies are not known here,
 * so no schema carries `x-kubernetes-patch-strategy`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import type { JsonObject } from '../core/json.js';
import { kubernetesTypes } from '../protobuf/descriptors.js';
import { modelAttributes, modelNameOf } from '../registry/builtin-shapes.js';

export const OBJECT_META_NAME = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;
/** `V1`, `V1beta1`, `V2` and the group prefixes client-node adds where two groups share a name. */
const MODEL_PREFIX = /^(?:[A-Z][a-z]+)?V\d+(?:(?:alpha|beta)\d+)?(?=[A-Z])/;

interface Declared {
  description: string;
  fields: Map<string, { description: string; required: boolean }>;
}

function modelsDirectory(): string {
  return join(
    dirname(fileURLToPath(import.meta.resolve('@kubernetes/client-node'))),
    'gen',
    'models',
  );
}

function unescape(text: string): string {
  return text.replace(/\\(['"\\])/g, '$1');
}

const declarations = new Map<string, Declared>();

/** A model's descriptions and required fields, read once from its `.d.ts`. */
function declared(model: string): Declared {
  let known = declarations.get(model);
  if (known === undefined) {
    known = readDeclaration(model);
    declarations.set(model, known);
  }
  return known;
}

/** Empty when the declaration cannot be read. */
function readDeclaration(model: string): Declared {
  const result: Declared = { description: '', fields: new Map() };
  let text: string;
  try {
    text = readFileSync(join(modelsDirectory(), `${model}.d.ts`), 'utf8');
  } catch {
    return result;
  }
  let comment: string[] | undefined;
  let pending = '';
  let inClass = false;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '/**') {
      comment = [];
      continue;
    }
    if (comment !== undefined) {
      if (trimmed === '*/') {
        pending = unescape(comment.join('\n'));
        comment = undefined;
      } else comment.push(trimmed.replace(/^\* ?/, ''));
      continue;
    }
    if (trimmed.startsWith('export declare class ')) {
      result.description = pending;
      inClass = true;
    } else if (inClass) {
      const field = /^'([^']+)'(\?)?:/.exec(trimmed);
      if (field?.[1] !== undefined)
        result.fields.set(field[1], { description: pending, required: field[2] === undefined });
    }
    pending = '';
  }
  return result;
}

/** `V1DeploymentSpec` → `DeploymentSpec`; `CoreV1Event` → `Event`. */
function typeName(model: string): string {
  return model.replace(MODEL_PREFIX, '');
}

/** The version in a model name: `V1beta1Lease` → `v1beta1`. */
function versionOf(model: string): string {
  const match = /V(\d+(?:(?:alpha|beta)\d+)?)(?=[A-Z])/.exec(model);
  return `v${match?.[1] ?? '1'}`;
}

let packages: Map<string, string[]> | undefined;

/** `version/Name` → the OpenAPI packages whose protobuf descriptions define that type. */
function packageIndex(): Map<string, string[]> {
  const index = new Map<string, string[]>();
  const visit = (namespace: protobuf.NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof protobuf.Type) {
        // `.k8s.io.api.apps.v1.DeploymentSpec` → `v1/DeploymentSpec` in `k8s.io.api.apps`.
        const parts = nested.fullName.slice(1).split('.');
        const key = `${parts[parts.length - 2] ?? ''}/${nested.name}`;
        index.set(key, [...(index.get(key) ?? []), openApiPackage(parts.slice(0, -2).join('.'))]);
      } else if (nested instanceof protobuf.Namespace) visit(nested);
    }
  };
  const root = kubernetesTypes();
  if (root !== null) visit(root);
  return index;
}

/** The OpenAPI packages (`io.k8s.api.apps`) that define type `name` in `version`. */
function packagesOf(version: string, name: string): string[] {
  packages ??= packageIndex();
  return packages.get(`${version}/${name}`) ?? [];
}

/** `k8s.io.api.apps` → `io.k8s.api.apps`. */
function openApiPackage(protobufPackage: string): string {
  return protobufPackage.replace(/^k8s\.io\./, 'io.k8s.');
}

/** Builds the components one kind's schema refers to. */
class Components {
  readonly schemas: JsonObject = {};
  private readonly names = new Map<string, string>();

  constructor(private readonly kindPackage: string) {}

  /** The component name of `model` (`named`, if given), building its schema on first use. */
  ref(model: string, named?: string): string {
    const known = this.names.get(model);
    if (known !== undefined) return known;
    const version = versionOf(model);
    const name = typeName(model);
    const candidates = packagesOf(version, name);
    const pkg = candidates.includes(this.kindPackage)
      ? this.kindPackage
      : (candidates[0] ?? this.kindPackage);
    const component = named ?? `${pkg}.${version}.${name}`;
    this.names.set(model, component);
    this.schemas[component] = {};
    this.schemas[component] = this.objectSchema(model);
    return component;
  }

  private objectSchema(model: string): JsonObject {
    const docs = declared(model);
    const properties: JsonObject = {};
    const required: string[] = [];
    for (const attribute of modelAttributes(model) ?? []) {
      const field = docs.fields.get(attribute.name);
      const schema = this.fieldSchema(attribute.type, attribute.format);
      // The generator drops a description beside a reference: the type's own stands in.
      const description =
        field === undefined || field.description === ''
          ? declared(attribute.type).description
          : field.description;
      if (description !== '') schema['description'] = description;
      properties[attribute.baseName] = schema;
      if (field?.required === true) required.push(attribute.baseName);
    }
    const schema: JsonObject = { type: 'object', properties };
    if (docs.description !== '') schema['description'] = docs.description;
    if (required.length > 0) schema['required'] = required;
    return schema;
  }

  private fieldSchema(type: string, format: string): JsonObject {
    const array = ARRAY.exec(type);
    if (array !== null) return { type: 'array', items: this.fieldSchema(array[1] ?? 'any', '') };
    const map = MAP.exec(type);
    if (map !== null)
      return { type: 'object', additionalProperties: this.fieldSchema(map[1] ?? 'any', '') };
    if (type === 'IntOrString') {
      this.schemas[INT_OR_STRING] ??= {
        type: 'string',
        format: 'int-or-string',
        'x-kubernetes-int-or-string': true,
        description:
          'IntOrString is a type that can hold an int32 or a string. When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.',
      };
      return { allOf: [{ $ref: `#/components/schemas/${INT_OR_STRING}` }] };
    }
    if (type === 'Date') return { type: 'string', format: 'date-time' };
    if (type === 'string') return format === '' ? { type } : { type, format };
    if (type === 'number') {
      const integer = format === 'int32' || format === 'int64';
      return { type: integer ? 'integer' : 'number', ...(format === '' ? {} : { format }) };
    }
    if (type === 'boolean') return { type };
    if (modelAttributes(type) === undefined)
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    return { allOf: [{ $ref: `#/components/schemas/${this.ref(type)}` }] };
  }
}

/**
 * The components of a built-in kind, its own schema under `name` (with the real
 * ObjectMeta under {@link OBJECT_META_NAME}); undefined when client-node has no model.
 */
export function builtinComponents(
  group: string,
  version: string,
  kind: string,
  name: string,
): JsonObject | undefined {
  const model = modelNameOf(group, version, kind);
  if (model === undefined) return undefined;
  // `io.k8s.api.apps.v1.Deployment` → `io.k8s.api.apps`.
  const components = new Components(name.split('.').slice(0, -2).join('.'));
  components.ref(model, name);
  return components.schemas;
}

/** ObjectMeta's schema and the components it refers to, for custom resources' documents. */
export function objectMetaComponents(): JsonObject {
  const components = new Components('io.k8s.apimachinery.pkg.apis.meta');
  components.ref('V1ObjectMeta');
  return components.schemas;
}
