/**
 * The model-level metadata of an ONNX file (`ModelProto.metadata_props`, string to string),
 * and the class names a trainer may record there. Pure.
 *
 * Only the top level of the ModelProto is walked: every other field, the graph and its
 * weights included, is skipped by length without being decoded, so the cost does not grow
 * with the model's size. Entries are decoded with onnx-proto's own message description.
 */
import onnxProto from 'onnx-proto';
import protobuf from 'protobufjs/minimal.js';

const { onnx } = onnxProto;
/** `metadata_props` in onnx.proto's ModelProto. */
const METADATA_PROPS_FIELD = 14;
const LENGTH_DELIMITED = 2;
/** The metadata key under which a classifier's class names are kept, as a JSON array. */
export const CLASSES_KEY = 'classes';

/**
 * `metadata_props` as a map (a repeated key keeps its last value, as protobuf maps do).
 * Throws protobufjs's RangeError on bytes that are not a well-formed message.
 */
export function onnxMetadata(bytes: Uint8Array): Map<string, string> {
  const metadata = new Map<string, string>();
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === METADATA_PROPS_FIELD && wireType === LENGTH_DELIMITED) {
      const entry = onnx.StringStringEntryProto.decode(reader.bytes());
      metadata.set(entry.key, entry.value);
    } else {
      reader.skipType(wireType);
    }
  }
  return metadata;
}

/**
 * The class names under {@link CLASSES_KEY}, by class index; undefined when there are none
 * or the value is not a JSON array of non-empty strings (metadata is advice, never a reason
 * to refuse a model).
 */
export function classNamesOf(metadata: ReadonlyMap<string, string>): string[] | undefined {
  const text = metadata.get(CLASSES_KEY);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const names = value.filter((name): name is string => typeof name === 'string' && name !== '');
  return names.length === value.length ? names : undefined;
}
