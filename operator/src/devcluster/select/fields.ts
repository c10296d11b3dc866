/**
 * Field selectors (`?fieldSelector=`): comma-joined `path=value`, `path==value` and
 * `path!=value` terms over dotted paths such as `metadata.name` or
 * `involvedObject.uid`. Which paths a resource supports is the caller's decision.
 */
import { getPath, type Json } from '../core/json.js';

export interface FieldRequirement {
  path: string;
  negate: boolean;
  value: string;
}

export type FieldSelector = FieldRequirement[];

export function parseFieldSelector(text: string): FieldSelector {
  const requirements: FieldSelector = [];
  for (const part of text.split(',')) {
    const term = part.trim();
    if (term === '') continue;
    const match = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!match) throw new Error(`invalid selector: '${term}'; can't understand '${term}'`);
    requirements.push({
      path: match[1] ?? '',
      negate: match[2] === '!=',
      value: (match[3] ?? '').trim(),
    });
  }
  return requirements;
}

/** The string form a field has for selection: strings as-is, scalars printed, else "". */
export function fieldValue(object: Json, path: string): string {
  const value = getPath(object, path.split('.'));
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

export function matchesFields(selector: FieldSelector, object: Json): boolean {
  return selector.every(
    (requirement) =>
      (fieldValue(object, requirement.path) === requirement.value) !== requirement.negate,
  );
}
