/** A finding about a manifest, located in its source file. */

export type Severity = 'error' | 'warning';

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface ObjectIdentity {
  kind: string;
  name: string;
  namespace?: string;
}

export interface Problem extends Position {
  file: string;
  severity: Severity;
  /** The object the problem is in, when the document got far enough to have one. */
  object?: ObjectIdentity;
  /** kubectl-style field path, such as `.spec.features[2].type`; absent for file-level problems. */
  field?: string;
  message: string;
}

/** Orders problems by file, then position, so output is stable whatever found them. */
export function compareProblems(a: Problem, b: Problem): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
}

/** `.spec.features[2].type` from `['spec', 'features', 2, 'type']`. */
export function fieldPath(path: readonly (string | number)[]): string {
  return path
    .map((segment) =>
      typeof segment === 'number'
        ? `[${segment}]`
        : /^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)
          ? `.${segment}`
          : `[${JSON.stringify(segment)}]`,
    )
    .join('');
}

/** The value at `path` inside `root`, or undefined where the path leaves the tree. */
export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let current = root;
  for (const step of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}
