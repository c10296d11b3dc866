/** Which files of a directory tree are manifests: the rule `ferry validate` and the git sync share. */

const MANIFEST_EXTENSION = /\.ya?ml$/i;

/** `*.yaml` and `*.yml`, case-insensitive. */
export function isManifestFileName(name: string): boolean {
  return MANIFEST_EXTENSION.test(name);
}

/** Dot-directories (`.github`, `.git`) and `node_modules` are never searched. */
export function isSkippedDirectory(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

/** Whether the `/`-separated `path` names a manifest outside any skipped directory. */
export function isManifestPath(path: string): boolean {
  const segments = path.split('/');
  const file = segments.pop() ?? '';
  return isManifestFileName(file) && !segments.some(isSkippedDirectory);
}
