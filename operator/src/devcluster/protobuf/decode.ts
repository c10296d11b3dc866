/**
 * Decodes the Kubernetes protobuf envelope (`k8s\0` + runtime.Unknown) for every kind
 * whose message the real `k8s.io/api` descriptions define, into the JSON a real server
 * would store and show. Go's encoder writes every field it holds by value, so their zero
 * values (empty strings, 0, false, empty lists and maps) are dropped as JSON's `omitempty`
 * drops them. A pointer field is encoded only when set, so its zero value is kept:
 * `replicas: 0` stays 0 and is not defaulted to 1. List elements are always kept.
 * apimachinery's special types (Time, MicroTime, Duration, Quantity,
 * IntOrString, RawExtension, FieldsV1) get their JSON forms.
 */
import protobuf from 'protobufjs';
import { ApiError, unsupportedMediaType } from '../core/errors.js';
import type { Json, JsonObject } from '../core/json.js';
import { byValue, kubernetesTypes } from './descriptors.js';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from('k8s\0', 'latin1');
const JSON_MEDIA_TYPES = ['application/json', 'application/yaml'];
const META = '.k8s.io.apimachinery.pkg.apis.meta.v1';

type Message = Record<string, unknown>;

function rfc3339(seconds: number, nanos: number, micro: boolean): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (!micro) return `${base}Z`;
  return `${base}.${String(Math.trunc(nanos / 1000)).padStart(6, '0')}Z`;
}

/** Go's time.Duration.String() for whole and fractional seconds. */
function goDuration(nanoseconds: number): string {
  if (nanoseconds === 0) return '0s';
  const sign = nanoseconds < 0 ? '-' : '';
  let rest = Math.abs(nanoseconds) / 1e9;
  const hours = Math.trunc(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.trunc(rest / 60);
  rest -= minutes * 60;
  const seconds = `${Number(rest.toFixed(9))}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

function number(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'low' in value && 'high' in value) {
    const { low, high } = value as { low: number; high: number };
    return high * 2 ** 32 + (low >>> 0);
  }
  return Number(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function has(message: Message, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, key);
}

function parseRaw(bytes: unknown): Json | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) return undefined;
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as Json;
}

/** The JSON form of apimachinery's special messages; undefined for ordinary ones. */
function special(type: protobuf.Type, message: Message): { value: Json | undefined } | undefined {
  switch (type.fullName) {
    case `${META}.Time`:
    case `${META}.MicroTime`: {
      const seconds = number(message['seconds'] ?? 0);
      const nanos = number(message['nanos'] ?? 0);
      if (seconds === 0 && nanos === 0) return { value: undefined };
      return { value: rfc3339(seconds, nanos, type.name === 'MicroTime') };
    }
    case `${META}.Duration`:
      return { value: goDuration(number(message['duration'] ?? 0)) };
    case '.k8s.io.apimachinery.pkg.api.resource.Quantity':
      return { value: typeof message['string'] === 'string' ? message['string'] : '0' };
    case '.k8s.io.apimachinery.pkg.util.intstr.IntOrString':
      return {
        value:
          number(message['type'] ?? 0) === 0
            ? number(message['intVal'] ?? 0)
            : text(message['strVal']),
      };
    case '.k8s.io.apimachinery.pkg.runtime.RawExtension':
    case `${META}.FieldsV1`:
      return { value: parseRaw(message['raw'] ?? message['Raw']) };
    default:
      return undefined;
  }
}

function isMapEntry(type: protobuf.Type): boolean {
  const options = type.options as Record<string, unknown> | undefined;
  if (options?.['mapEntry'] === true) return true;
  const names = type.fieldsArray.map((field) => field.name).sort();
  return type.name.endsWith('Entry') && names.join(',') === 'key,value';
}

/** A scalar's JSON value; its zero value is undefined (omitted) unless `keepZero`. */
function scalar(field: protobuf.Field, value: unknown, keepZero: boolean): Json | undefined {
  if (value instanceof Uint8Array) {
    // A []byte is a slice: omitempty drops an empty one whether or not it was set.
    return value.length === 0 && !keepZero ? undefined : Buffer.from(value).toString('base64');
  }
  if (typeof value === 'string') return value === '' && !keepZero ? undefined : value;
  if (typeof value === 'boolean') return value || keepZero ? value : undefined;
  if (field.long || typeof value === 'number') {
    const n = number(value);
    return n === 0 && !keepZero ? undefined : n;
  }
  return undefined;
}

/** `keepZero` for list elements and for fields Go holds as pointers. */
function valueOf(field: protobuf.Field, value: unknown, keepZero: boolean): Json | undefined {
  const type = field.resolvedType;
  if (type instanceof protobuf.Type) return messageToJson(type, value as Message);
  return scalar(field, value, keepZero);
}

function messageToJson(type: protobuf.Type, message: Message): Json | undefined {
  const converted = special(type, message);
  if (converted !== undefined) return converted.value;
  const object: JsonObject = {};
  for (const field of type.fieldsArray) {
    if (!has(message, field.name)) continue;
    const value = message[field.name];
    const entryType = field.resolvedType;
    if (field.repeated && entryType instanceof protobuf.Type && isMapEntry(entryType)) {
      const valueField = entryType.fields['value'];
      const map: JsonObject = {};
      for (const entry of value as Message[]) {
        const key = text(entry['key']);
        const item =
          valueField === undefined ? undefined : valueOf(valueField, entry['value'], true);
        map[key] = item ?? (valueField?.resolvedType instanceof protobuf.Type ? {} : '');
      }
      if (Object.keys(map).length > 0) object[field.name] = map;
    } else if (field.repeated) {
      const items = (value as unknown[]).map((item) => valueOf(field, item, true) ?? {});
      if (items.length > 0) object[field.name] = items;
    } else {
      const item = valueOf(field, value, field.type !== 'bytes' && !byValue(field));
      if (item !== undefined) object[field.name] = item;
    }
  }
  return object;
}

/** `apps/v1` → `k8s.io.api.apps.v1`; `rbac.authorization.k8s.io/v1` → `k8s.io.api.rbac.v1`. */
function packageOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return `k8s.io.api.core.${apiVersion}`;
  const group = apiVersion.slice(0, slash).split('.')[0] ?? '';
  return `k8s.io.api.${group}.${apiVersion.slice(slash + 1)}`;
}

/** Whether `body` starts with the Kubernetes protobuf magic number. */
export function isProtobuf(body: Uint8Array): boolean {
  return MAGIC.every((byte, index) => body[index] === byte);
}

/**
 * The JSON form of a protobuf-encoded object. 415 (as from a server that does not speak
 * protobuf) when the body lacks the envelope, names a kind no description defines, or no
 * descriptions are available.
 */
export function decodeProtobuf(
  body: Uint8Array,
  types: protobuf.Root | null = kubernetesTypes(),
): JsonObject {
  if (types === null || !isProtobuf(body)) throw unsupportedMediaType(JSON_MEDIA_TYPES);
  const unknown = types.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  const envelope = unknown.decode(body.subarray(MAGIC.length)) as unknown as Message;
  const typeMeta = (envelope['typeMeta'] ?? {}) as Message;
  const apiVersion = text(typeMeta['apiVersion']);
  const kind = text(typeMeta['kind']);
  const type = types.lookup(`${packageOf(apiVersion)}.${kind}`);
  if (!(type instanceof protobuf.Type)) throw unsupportedMediaType(JSON_MEDIA_TYPES);
  const raw = envelope['raw'];
  if (!(raw instanceof Uint8Array)) {
    throw new ApiError(400, 'BadRequest', 'the protobuf envelope carries no object');
  }
  const decoded = messageToJson(type, type.decode(raw) as unknown as Message);
  const object: JsonObject =
    typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded) ? decoded : {};
  return { apiVersion, kind, ...object, metadata: object['metadata'] ?? {} };
}
