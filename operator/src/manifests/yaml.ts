import { stringify } from 'yaml';

/** Stable YAML for generated files: no line folding, so diffs stay line-per-field. */
export function stringifyYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
