/**
 * The JSONPath subset that CRD `additionalPrinterColumns` use: `.a.b`, `['a']`, `[0]`,
 * `[-1]`, `[*]`, `.*` and filters `[?(@.x.y=="v")]` / `!=` / `[?(@.x)]`, optionally
 * wrapped in `{...}`. `evaluate` returns every match in document order.
 */
import { appendAll } from '../core/append.js';
import { isObject, type Json } from '../core/json.js';

type Step =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: string[]; op: '==' | '!=' | 'exists'; value: Json };

export type JsonPath = Step[];

/** Parses a path; throws an Error naming the problem. */
export function parseJsonPath(text: string): JsonPath {
  let source = text.trim();
  if (source.startsWith('{') && source.endsWith('}')) source = source.slice(1, -1).trim();
  if (source.startsWith('$')) source = source.slice(1);
  const steps: JsonPath = [];
  let at = 0;
  while (at < source.length) {
    const char = source[at];
    if (char === '.') {
      at++;
      if (source[at] === '*') {
        steps.push({ kind: 'all' });
        at++;
        continue;
      }
      const match = /^[^.[\]]+/.exec(source.slice(at));
      if (!match) {
        if (at >= source.length) break;
        throw new Error(`unexpected "${source[at] ?? ''}" at ${at} in ${text}`);
      }
      steps.push({ kind: 'key', key: match[0] });
      at += match[0].length;
    } else if (char === '[') {
      const end = findClose(source, at);
      steps.push(parseBracket(source.slice(at + 1, end).trim(), text));
      at = end + 1;
    } else {
      throw new Error(`unexpected "${char ?? ''}" at ${at} in ${text}`);
    }
  }
  return steps;
}

function findClose(source: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let index = open; index < source.length; index++) {
    const char = source[index];
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[') depth++;
    else if (char === ']') {
      depth--;
      if (depth === 0) return index;
    }
  }
  throw new Error(`unclosed "[" in ${source}`);
}

function parseBracket(inner: string, text: string): Step {
  if (inner === '*') return { kind: 'all' };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  const quoted = /^(['"])(.*)\1$/.exec(inner);
  if (quoted) return { kind: 'key', key: quoted[2] ?? '' };
  const filter = /^\?\(@((?:\.[^.=!\s)]+)+)\s*(?:(==|!=)\s*(.+?))?\s*\)$/.exec(inner);
  if (filter) {
    const path = (filter[1] ?? '').split('.').slice(1);
    if (filter[2] === undefined) return { kind: 'filter', path, op: 'exists', value: null };
    return {
      kind: 'filter',
      path,
      op: filter[2] === '==' ? '==' : '!=',
      value: literal(filter[3] ?? ''),
    };
  }
  throw new Error(`unsupported expression [${inner}] in ${text}`);
}

function literal(text: string): Json {
  const quoted = /^(['"])(.*)\1$/.exec(text);
  if (quoted) return quoted[2] ?? '';
  if (text === 'true') return true;
  if (text === 'false') return false;
  const number = Number(text);
  if (!Number.isNaN(number)) return number;
  return text;
}

function walk(value: Json, path: readonly string[]): Json | undefined {
  let current: Json | undefined = value;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return current;
}

/** Every value the path selects in `root`. */
export function evaluate(path: JsonPath, root: Json): Json[] {
  let current: Json[] = [root];
  for (const step of path) {
    const next: Json[] = [];
    for (const value of current) {
      switch (step.kind) {
        case 'key':
          if (isObject(value) && value[step.key] !== undefined) next.push(value[step.key] ?? null);
          break;
        case 'index':
          if (Array.isArray(value)) {
            const item = value[step.index < 0 ? value.length + step.index : step.index];
            if (item !== undefined) next.push(item);
          }
          break;
        case 'all':
          if (Array.isArray(value)) appendAll(next, value);
          else if (isObject(value)) appendAll(next, Object.values(value));
          break;
        case 'filter':
          if (Array.isArray(value))
            appendAll(
              next,
              value.filter((item) => keep(step, item)),
            );
          break;
      }
    }
    current = next;
  }
  return current;
}

function keep(step: Extract<Step, { kind: 'filter' }>, item: Json): boolean {
  const found = walk(item, step.path);
  if (step.op === 'exists') return found !== undefined;
  const equal =
    found === step.value || (found !== undefined && scalarText(found) === scalarText(step.value));
  return step.op === '==' ? equal : !equal;
}

function scalarText(value: Json): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
