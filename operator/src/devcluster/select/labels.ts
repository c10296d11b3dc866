/**
 * Label selectors in the string form of `?labelSelector=`: `a=b`, `a==b`, `a!=b`,
 * `a in (x,y)`, `a notin (x)`, `a` (exists) and `!a` (does not exist), comma-joined.
 * A requirement list matches when every requirement matches.
 */

export type LabelRequirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export type LabelSelector = LabelRequirement[];

/** Parses a selector; throws an Error whose message suits a 400 response. */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements: LabelSelector = [];
  for (const part of splitTopLevel(text)) {
    const term = part.trim();
    if (term === '') continue;
    requirements.push(parseTerm(term));
  }
  return requirements;
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`invalid label key "${key}"`);
  return key;
}

function checkValue(value: string): string {
  if (!VALUE.test(value)) throw new Error(`invalid label value: "${value}"`);
  return value;
}

function parseTerm(term: string): LabelRequirement {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (set) {
    const values = (set[3] ?? '')
      .split(',')
      .map((value) => checkValue(value.trim()))
      .filter((value) => value !== '');
    return { key: checkKey(set[1] ?? ''), op: set[2] === 'in' ? 'in' : 'notin', values };
  }
  const binary = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
  if (binary) {
    return {
      key: checkKey(binary[1] ?? ''),
      op: binary[2] === '!=' ? 'neq' : 'eq',
      value: checkValue((binary[3] ?? '').trim()),
    };
  }
  if (term.startsWith('!')) return { key: checkKey(term.slice(1).trim()), op: 'notexists' };
  return { key: checkKey(term), op: 'exists' };
}

/** Whether `labels` satisfies every requirement (the empty selector matches all). */
export function matchesLabels(
  selector: LabelSelector,
  labels: Readonly<Record<string, unknown>>,
): boolean {
  return selector.every((requirement) => {
    const raw = labels[requirement.key];
    const value = typeof raw === 'string' ? raw : undefined;
    switch (requirement.op) {
      case 'eq':
        return value === requirement.value;
      case 'neq':
        return value !== requirement.value;
      case 'in':
        return value !== undefined && requirement.values.includes(value);
      case 'notin':
        return value === undefined || !requirement.values.includes(value);
      case 'exists':
        return value !== undefined;
      case 'notexists':
        return value === undefined;
    }
  });
}
