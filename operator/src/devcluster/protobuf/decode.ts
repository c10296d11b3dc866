/**
 * Decodes the Kubernetes protobuf envelope (`k8s\0` + runtime.Unknown) for the kinds
 * `kubectl create namespace|configmap|secret` send as protobuf: Namespace, ConfigMap and
 * Secret, with ObjectMeta's name, generateName, namespace, labels, annotations,
 * ownerReferences and finalizers. Other kinds are refused with 415, so the client can be
 * pointed at `kubectl apply` (JSON) instead.
 */
import { ApiError } from '../core/errors.js';
import type { Json, JsonObject } from '../core/json.js';
import { readFields, text, type Field } from './wire.js';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = [0x6b, 0x38, 0x73, 0x00];

function strings(fields: Field[], number: number): string[] {
  return fields.flatMap((field) =>
    field.number === number && field.wire === 2 ? [text(field.bytes)] : [],
  );
}

function first(fields: Field[], number: number): Uint8Array | undefined {
  const found = fields.find((field) => field.number === number && field.wire === 2);
  return found?.wire === 2 ? found.bytes : undefined;
}

function varint(fields: Field[], number: number): bigint | undefined {
  const found = fields.find((field) => field.number === number && field.wire === 0);
  return found?.wire === 0 ? found.value : undefined;
}

/** A map<string, string|bytes> field: entries with key 1 and value 2. */
function map(fields: Field[], number: number, bytes: boolean): JsonObject | undefined {
  const entries = fields.filter((field) => field.number === number && field.wire === 2);
  if (entries.length === 0) return undefined;
  const result: JsonObject = {};
  for (const entry of entries) {
    if (entry.wire !== 2) continue;
    const parts = readFields(entry.bytes);
    const key = text(first(parts, 1) ?? new Uint8Array());
    const value = first(parts, 2) ?? new Uint8Array();
    result[key] = bytes ? Buffer.from(value).toString('base64') : text(value);
  }
  return result;
}

function objectMeta(bytes: Uint8Array): JsonObject {
  const fields = readFields(bytes);
  const metadata: JsonObject = {};
  const put = (key: string, value: Json | undefined): void => {
    if (value === undefined || value === '') return;
    if (Array.isArray(value) && value.length === 0) return;
    metadata[key] = value;
  };
  put('name', strings(fields, 1)[0]);
  put('generateName', strings(fields, 2)[0]);
  put('namespace', strings(fields, 3)[0]);
  put('labels', map(fields, 11, false));
  put('annotations', map(fields, 12, false));
  put(
    'ownerReferences',
    fields
      .filter((field) => field.number === 13 && field.wire === 2)
      .map((field) => {
        const parts = field.wire === 2 ? readFields(field.bytes) : [];
        const reference: JsonObject = {
          apiVersion: strings(parts, 5)[0] ?? '',
          kind: strings(parts, 1)[0] ?? '',
          name: strings(parts, 3)[0] ?? '',
          uid: strings(parts, 4)[0] ?? '',
        };
        const controller = varint(parts, 6);
        const blocking = varint(parts, 7);
        if (controller !== undefined) reference['controller'] = controller !== 0n;
        if (blocking !== undefined) reference['blockOwnerDeletion'] = blocking !== 0n;
        return reference;
      }),
  );
  put('finalizers', strings(fields, 14));
  return metadata;
}

type KindDecoder = (fields: Field[], object: JsonObject) => void;

const KINDS: Readonly<Record<string, KindDecoder>> = {
  'v1/Namespace': (fields, object) => {
    const spec = first(fields, 2);
    const finalizers = spec === undefined ? [] : strings(readFields(spec), 1);
    if (finalizers.length > 0) object['spec'] = { finalizers };
  },
  'v1/ConfigMap': (fields, object) => {
    const data = map(fields, 2, false);
    const binary = map(fields, 3, true);
    const immutable = varint(fields, 4);
    if (data !== undefined) object['data'] = data;
    if (binary !== undefined) object['binaryData'] = binary;
    if (immutable !== undefined) object['immutable'] = immutable !== 0n;
  },
  'v1/Secret': (fields, object) => {
    const data = map(fields, 2, true);
    const type = strings(fields, 3)[0];
    const stringData = map(fields, 4, false);
    const immutable = varint(fields, 5);
    if (data !== undefined) object['data'] = data;
    object['type'] = type === undefined || type === '' ? 'Opaque' : type;
    if (stringData !== undefined) object['stringData'] = stringData;
    if (immutable !== undefined) object['immutable'] = immutable !== 0n;
  },
};

function unsupported(what: string): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `devcluster decodes protobuf only for Namespace, ConfigMap and Secret, not ${what}; send JSON (for example with kubectl apply -f)`,
  );
}

/** Whether `body` starts with the Kubernetes protobuf magic number. */
export function isProtobuf(body: Uint8Array): boolean {
  return MAGIC.every((byte, index) => body[index] === byte);
}

/** The JSON form of a protobuf-encoded object. */
export function decodeProtobuf(body: Uint8Array): JsonObject {
  if (!isProtobuf(body)) throw unsupported('a body without the k8s protobuf prefix');
  const envelope = readFields(body.subarray(MAGIC.length));
  const typeMeta = readFields(first(envelope, 1) ?? new Uint8Array());
  const apiVersion = strings(typeMeta, 1)[0] ?? '';
  const kind = strings(typeMeta, 2)[0] ?? '';
  const decode = KINDS[`${apiVersion}/${kind}`];
  if (decode === undefined) throw unsupported(`${apiVersion} ${kind}`);
  const fields = readFields(first(envelope, 2) ?? new Uint8Array());
  const metadata = first(fields, 1);
  const object: JsonObject = {
    apiVersion,
    kind,
    metadata: metadata === undefined ? {} : objectMeta(metadata),
  };
  decode(fields, object);
  return object;
}
