/**
 * The version ledger: per model and namespace, the highest version number ever issued, kept
 * in the ConfigMap `ferry-versions-<model>` (data key `highest`) so that it survives the
 * deletion of any ModelVersion. A number is issued by a resourceVersion-checked write of
 * the ConfigMap before the ModelVersion that uses it is created: a crash in between leaves
 * a gap, never a number issued twice. The ConfigMap has no owner and no gitops label, so
 * neither the garbage collector nor the git sync's prune removes it.
 *
 * Versions registered by hand count: the next number is one more than the larger of the
 * ledger and the highest integer `spec.version` among the model's ModelVersions.
 */

import type { V1ConfigMap } from '@kubernetes/client-node';
import { AppManagedBy, Labels, type ModelVersion } from '../api/index.js';
import { isConflict, type KubeClient } from '../runtime/client.js';
import { BuiltinResources } from '../runtime/resource.js';

export const LEDGER_KEY = 'highest';
const ATTEMPTS = 10;

export function versionLedgerName(model: string): string {
  return `ferry-versions-${model}`;
}

/** The highest integer `spec.version` among `modelVersions` of `model`; 0 when none. */
export function highestVersion(modelVersions: readonly ModelVersion[], model: string): number {
  let highest = 0;
  for (const modelVersion of modelVersions) {
    if (modelVersion.spec.model !== model || !/^[0-9]{1,9}$/.test(modelVersion.spec.version))
      continue;
    highest = Math.max(highest, Number(modelVersion.spec.version));
  }
  return highest;
}

export class VersionLedger {
  /** Issues for one ledger run one at a time in this process, so they do not conflict. */
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: KubeClient,
    private readonly fieldManager: string,
  ) {}

  /**
   * Issues the next version number of `model` in `namespace`, above `floor` (the highest
   * version the caller knows of) and above every number issued before. Resolves once the
   * ledger records it.
   */
  issue(namespace: string, model: string, floor: number): Promise<number> {
    const key = `${namespace}/${model}`;
    const turn = (this.turns.get(key) ?? Promise.resolve()).then(() =>
      this.issueNow(namespace, model, floor),
    );
    const settled = turn.catch(() => undefined);
    this.turns.set(key, settled);
    void settled.then(() => {
      if (this.turns.get(key) === settled) this.turns.delete(key);
    });
    return turn;
  }

  private async issueNow(namespace: string, model: string, floor: number): Promise<number> {
    const name = versionLedgerName(model);
    for (let attempt = 1; ; attempt++) {
      const current = await this.client.get<V1ConfigMap>(
        BuiltinResources.configMap,
        namespace,
        name,
      );
      const recorded = Number(current?.data?.[LEDGER_KEY] ?? '0');
      const next = Math.max(Number.isInteger(recorded) ? recorded : 0, floor) + 1;
      const ledger: V1ConfigMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name,
          namespace,
          labels: { [AppManagedBy.label]: AppManagedBy.ferry, [Labels.model]: model },
          ...(current?.metadata?.resourceVersion === undefined
            ? {}
            : { resourceVersion: current.metadata.resourceVersion }),
        },
        data: { ...current?.data, [LEDGER_KEY]: String(next) },
      };
      try {
        if (current === undefined) await this.client.create(ledger, this.fieldManager);
        else await this.client.replace(ledger, this.fieldManager);
        return next;
      } catch (error) {
        // Another writer issued a number since the read: read again and go above it.
        if (!isConflict(error) || attempt >= ATTEMPTS) throw error;
      }
    }
  }
}
