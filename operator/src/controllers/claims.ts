/**
 * Where PersistentVolumeClaims named by `pvc://claim/path` URIs are mounted in the pods
 * Ferry creates, and what such a URI becomes inside them.
 */

export const CLAIMS_ROOT = '/var/run/ferry/claims';

/** Maps a `pvc://claim/path` or `file://` URI to what the container sees. */
export function containerPath(uri: string): { path: string; claim?: string } {
  if (uri.startsWith('pvc://')) {
    const rest = uri.slice('pvc://'.length);
    const slash = rest.indexOf('/');
    const claim = slash === -1 ? rest : rest.slice(0, slash);
    const inside = slash === -1 ? '' : rest.slice(slash + 1);
    return {
      path:
        inside === ''
          ? `${CLAIMS_ROOT}/${claim}`
          : `${CLAIMS_ROOT}/${claim}/${inside.replace(/^\/+/, '')}`,
      claim,
    };
  }
  if (uri.startsWith('file://')) return { path: decodeURIComponent(new URL(uri).pathname) };
  return { path: uri };
}
