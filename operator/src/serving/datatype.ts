/**
 * Open Inference Protocol (v2) tensor datatypes, their onnxruntime element types, and how a
 * JSON value becomes an element. Pure: no onnxruntime import.
 */

/** OIP datatype → onnxruntime `Tensor.Type`, for every datatype `ferry serve` decodes. */
export const Datatypes = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
} as const;
export type Datatype = keyof typeof Datatypes;
export type OrtType = (typeof Datatypes)[Datatype];

/** OIP names of onnxruntime types this server does not decode, so metadata still names them. */
const UNSUPPORTED_ORT: Readonly<Record<string, string>> = { float16: 'FP16', bfloat16: 'BF16' };

/**
 * Element storage per datatype: the typed array onnxruntime-node takes (BOOL as Uint8Array of
 * 0/1), or an array of strings for BYTES.
 */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

export function isDatatype(value: string): value is Datatype {
  return Object.hasOwn(Datatypes, value);
}

/** The OIP datatype name of an onnxruntime element type (e.g. `float32` → `FP32`). */
export function datatypeOfOrt(type: string): string {
  for (const [datatype, ort] of Object.entries(Datatypes)) if (ort === type) return datatype;
  return UNSUPPORTED_ORT[type] ?? type.toUpperCase();
}

/** A zero-filled buffer of `length` elements of `datatype`. */
export function allocate(datatype: Datatype, length: number): TensorData {
  switch (datatype) {
    case 'BOOL':
    case 'UINT8':
      return new Uint8Array(length);
    case 'UINT16':
      return new Uint16Array(length);
    case 'UINT32':
      return new Uint32Array(length);
    case 'UINT64':
      return new BigUint64Array(length);
    case 'INT8':
      return new Int8Array(length);
    case 'INT16':
      return new Int16Array(length);
    case 'INT32':
      return new Int32Array(length);
    case 'INT64':
      return new BigInt64Array(length);
    case 'FP32':
      return new Float32Array(length);
    case 'FP64':
      return new Float64Array(length);
    case 'BYTES':
      return new Array<string>(length).fill('');
  }
}

/** The largest finite float32; JSON numbers beyond it would become Infinity. */
const FP32_MAX = 3.4028234663852886e38;

const INTEGER_RANGES = {
  UINT8: [0, 255],
  UINT16: [0, 65_535],
  UINT32: [0, 4_294_967_295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT8: [-128, 127],
  INT16: [-32_768, 32_767],
  INT32: [-2_147_483_648, 2_147_483_647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
} as const;

/**
 * Stores JSON `value` at `index` of `target` (a buffer from {@link allocate} for `datatype`).
 * Returns undefined when stored, or what was expected when `value` does not fit: a finite
 * number for FP64, a number within float32 range for FP32, an integer in range for the integer
 * types (64-bit ones up to 2^53, the JSON-safe range), `true`/`false` for BOOL, a string
 * without NUL characters for BYTES (onnxruntime would end the element at the first one).
 */
export function store(
  datatype: Datatype,
  target: TensorData,
  index: number,
  value: unknown,
): string | undefined {
  switch (datatype) {
    case 'FP32':
      if (typeof value !== 'number' || Math.abs(value) > FP32_MAX) {
        return 'a number within ±3.4028235e38 for FP32';
      }
      (target as Float32Array)[index] = value;
      return undefined;
    case 'FP64':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'a finite number for FP64';
      (target as Float64Array)[index] = value;
      return undefined;
    case 'BOOL':
      if (typeof value !== 'boolean') return 'true or false for BOOL';
      (target as Uint8Array)[index] = value ? 1 : 0;
      return undefined;
    case 'BYTES':
      if (typeof value !== 'string') return 'a string for BYTES';
      // onnxruntime copies string elements as C strings: a NUL would silently end the element.
      if (value.includes('\u0000')) return 'a string without NUL (\\u0000) characters for BYTES';
      (target as string[])[index] = value;
      return undefined;
    default: {
      const [min, max] = INTEGER_RANGES[datatype];
      if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
        return `an integer from ${min} to ${max} for ${datatype}`;
      }
      if (datatype === 'INT64' || datatype === 'UINT64') {
        (target as BigInt64Array)[index] = BigInt(value as number);
      } else {
        (target as Int32Array)[index] = value as number;
      }
      return undefined;
    }
  }
}

export type JsonElement = number | string | boolean;

/**
 * All elements of `data` as JSON values: bigints become numbers (exact up to 2^53), BOOL bytes
 * become booleans.
 */
export function jsonElements(
  datatype: string,
  data: TensorData | readonly unknown[],
): JsonElement[] {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    return Array.from(data, (value) => Number(value));
  }
  if (datatype === 'BOOL') return Array.from(data as Uint8Array, (value) => value !== 0);
  if (Array.isArray(data)) return data as JsonElement[];
  return Array.from(data as Float32Array);
}
