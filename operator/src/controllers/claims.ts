/**
 * Where PersistentVolumeClaims named by `pvc://claim/path` URIs are mounted in the pods
 * Ferry creates, and what such a URI becomes inside them.
 */

import { splitPvcUri } from '../data/source.js';

export const CLAIMS_ROOT = '/var/run/ferry/claims';

/** Maps a `pvc://claim/path` or `file://` URI to what the container sees. */
export function containerPath(uri: string): { path: string; claim?: string } {
  if (uri.startsWith('pvc://')) {
    const { claim, path: inside } = splitPvcUri(uri);
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
