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
 * How deep arrays and objects nest in JSON `text`, stopping as soon as it passes `limit`
 * (then returns `limit + 1`). One linear pass over the raw text that skips strings, so it
 * can run before `JSON.parse` builds anything; on malformed text the answer is only an
 * estimate, and the parser reports the syntax error.
 */
export function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index += 1;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
      depth += 1;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === CLOSE_BRACKET || code === CLOSE_BRACE) {
      depth -= 1;
    }
  }
  return deepest;
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
