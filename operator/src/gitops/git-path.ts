/**
 * The `ferry.dev/git-path` annotation: which document of which file an object was synced
 * from, `<path from the repository's root>#<0-based document index>`, such as
 * `deploy/iris.yaml#2`.
 */

export interface GitPath {
  file: string;
  index: number;
}

export function formatGitPath(location: GitPath): string {
  return `${location.file}#${location.index}`;
}

/** The file and index of an annotation value, or undefined when it is not one. */
export function parseGitPath(value: string): GitPath | undefined {
  const hash = value.lastIndexOf('#');
  const index = value.slice(hash + 1);
  if (hash <= 0 || !/^(0|[1-9][0-9]*)$/.test(index)) return undefined;
  return { file: value.slice(0, hash), index: Number(index) };
}
