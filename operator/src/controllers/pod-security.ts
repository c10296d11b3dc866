/**
 * The security contexts of every pod Ferry creates: the restricted Pod Security Standard
 * (non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp),
 * with a fixed non-root identity so any image runs under it.
 */

import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';

const RUN_AS = 65532;

/** For the pod; `writableVolumes` adds an fsGroup so mounted volumes are writable. */
export function restrictedPodSecurityContext(writableVolumes: boolean): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS,
    runAsGroup: RUN_AS,
    ...(writableVolumes ? { fsGroup: RUN_AS } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function restrictedContainerSecurityContext(
  readOnlyRootFilesystem: boolean,
): V1SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
