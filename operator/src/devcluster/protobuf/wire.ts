/**
 * Protocol-buffer wire format, read only: a message becomes a list of fields by number,
 * with varints as bigint and length-delimited values as bytes (the caller knows which
 * are strings, maps or nested messages). Throws on truncated or malformed input.
 */

export type Field =
  | { number: number; wire: 0; value: bigint }
  | { number: number; wire: 2; bytes: Uint8Array }
  | { number: number; wire: 1 | 5; bytes: Uint8Array };

export function readFields(buffer: Uint8Array): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buffer[at++];
      if (byte === undefined) throw new Error('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new Error('varint too long');
    }
  };
  const take = (length: number): Uint8Array => {
    if (at + length > buffer.length) throw new Error('truncated field');
    const bytes = buffer.subarray(at, at + length);
    at += length;
    return bytes;
  };
  while (at < buffer.length) {
    const key = Number(varint());
    const number = key >>> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ number, wire, value: varint() });
    else if (wire === 2) fields.push({ number, wire, bytes: take(Number(varint())) });
    else if (wire === 1) fields.push({ number, wire, bytes: take(8) });
    else if (wire === 5) fields.push({ number, wire, bytes: take(4) });
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return fields;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
