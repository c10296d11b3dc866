/**
 * Installs Ferry's CustomResourceDefinitions, rendered from `api/`, by server-side apply
 * over plain HTTP (as `kubectl apply --server-side` sends them), so a restart with a newer
 * Ferry updates them and an unchanged one changes nothing.
 */
import { customResourceDefinition, KINDS } from '../api/index.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

export async function applyCrds(server: string, fieldManager: string): Promise<void> {
  for (const definition of KINDS) {
    const crd = customResourceDefinition(definition);
    const response = await fetch(
      `${server}${CRDS}/${crd.metadata.name}?fieldManager=${fieldManager}&force=true`,
      {
        method: 'PATCH',
        headers: { 'content-type': 'application/apply-patch+yaml' },
        body: JSON.stringify(crd),
      },
    );
    if (!response.ok) {
      throw new Error(
        `installing ${crd.metadata.name}: ${String(response.status)} ${await response.text()}`,
      );
    }
  }
}
