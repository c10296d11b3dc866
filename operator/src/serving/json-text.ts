/**
 * Bounded views of JSON, for a server that must not let a request's shape decide how deep
 * it recurses or how much it copies. Pure and iterative: nothing here uses the call stack
 * in proportion to its input.
 */

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Measures how deep arrays and objects nest in JSON text fed to it in pieces, as the bytes
 * arrive and before anything is parsed: one linear pass that skips strings and keeps no
 * input. UTF-8 is measured as bytes (no multi-byte character contains a bracket, quote or
 * backslash). On malformed text the depth is only an estimate; the parser reports the
 * syntax error.
 */
export class NestingGauge {
  readonly #limit: number;
  #depth = 0;
  #inString = false;
  #escaped = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Takes the next bytes; false as soon as the nesting so far has passed the limit. */
  feed(bytes: Uint8Array): boolean {
    for (const code of bytes) {
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (code === BACKSLASH) this.#escaped = true;
        else if (code === QUOTE) this.#inString = false;
      } else if (code === QUOTE) {
        this.#inString = true;
      } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
        this.#depth += 1;
        if (this.#depth > this.#limit) return false;
      } else if (code === CLOSE_BRACKET || code === CLOSE_BRACE) {
        this.#depth -= 1;
      }
    }
    return true;
  }
}

/** An open array or object while {@link jsonPreview} writes it. */
interface Frame {
  readonly source: readonly unknown[] | Readonly<Record<string, unknown>>;
  readonly keys: readonly string[] | undefined;
  index: number;
  readonly close: string;
}

/**
 * A value as an error message shows it: its JSON text, cut after `limit` characters with
 * `...`. Only the part shown is ever visited, so a huge or deeply nested value costs no
 * more than a small one. A non-finite number (what `1e999` parses to) reads as
 * `a number beyond the float64 range`; anything JSON cannot hold reads as `null`.
 */
export function jsonPreview(value: unknown, limit: number): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return 'a number beyond the float64 range';
  }
  let text = '';
  const stack: Frame[] = [];
  let next: { value: unknown } | undefined = { value };
  while (text.length <= limit) {
    if (next !== undefined) {
      const current = next.value;
      next = undefined;
      if (Array.isArray(current)) {
        text += '[';
        stack.push({ source: current, keys: undefined, index: 0, close: ']' });
      } else if (typeof current === 'object' && current !== null) {
        text += '{';
        const record = current as Record<string, unknown>;
        stack.push({ source: record, keys: Object.keys(record), index: 0, close: '}' });
      } else {
        text += scalarText(current);
      }
      continue;
    }
    const frame = stack.at(-1);
    if (frame === undefined) break;
    const length =
      frame.keys === undefined ? (frame.source as unknown[]).length : frame.keys.length;
    if (frame.index >= length) {
      text += frame.close;
      stack.pop();
      continue;
    }
    if (frame.index > 0) text += ',';
    if (frame.keys === undefined) {
      next = { value: (frame.source as unknown[])[frame.index] };
    } else {
      const key = frame.keys[frame.index] ?? '';
      text += `${JSON.stringify(key)}:`;
      next = { value: (frame.source as Record<string, unknown>)[key] };
    }
    frame.index += 1;
  }
  return text.length > limit ? `${text.slice(0, limit - 3)}...` : text;
}

function scalarText(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  return 'null';
}
