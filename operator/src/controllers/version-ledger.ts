/**
 * The version ledger: per model and namespace, the highest version number ever issued, kept
 * in the ConfigMap `ferry-versions-<model>` (data key `highest`) so that it survives the
 * deletion of any ModelVersion. A number is issued by a resourceVersion-checked write of
 * the ConfigMap before the ModelVersion that uses it is created: a crash in between leaves
 * a gap, never a number issued twice. The ConfigMap has no owner and no gitops label, so
 * neither the garbage collector nor the git sync's prune removes it.
 *
 * Each number is issued for a claim (a run), recorded with it in the same write (data key
 * `claims`, the latest 100): asking again for the same claim returns the same number, so
 * two writers registering one run at once (two replicas without leader election, say)
 * create the same ModelVersion name, and the API server's AlreadyExists makes it one.
 *
 * Versions registered by hand count: the next number is one more than the larger of the
 * ledger and the highest integer `spec.version` among the model's ModelVersions.
 */

import type { V1ConfigMap } from '@kubernetes/client-node';
import { AppManagedBy, Labels, type ModelVersion } from '../api/index.js';
import { isConflict, type KubeClient } from '../runtime/client.js';
import { BuiltinResources } from '../runtime/resource.js';

export const LEDGER_KEY = 'highest';
export const CLAIMS_KEY = 'claims';
const ATTEMPTS = 10;
/** Claims kept: far more than registrations of one model in flight at once. */
const CLAIMS_KEPT = 100;

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
   * The version number of `model` in `namespace` issued for `claim`: the one issued for it
   * before unless that is `unusable` (its name was taken), else the next number, above
   * `floor` (the highest version the caller knows of) and above every number issued
   * before. Resolves once the ledger records it.
   */
  issue(
    namespace: string,
    model: string,
    request: { claim: string; floor: number; unusable?: number },
  ): Promise<number> {
    const key = `${namespace}/${model}`;
    const turn = (this.turns.get(key) ?? Promise.resolve()).then(() =>
      this.issueNow(namespace, model, request),
    );
    const settled = turn.catch(() => undefined);
    this.turns.set(key, settled);
    void settled.then(() => {
      if (this.turns.get(key) === settled) this.turns.delete(key);
    });
    return turn;
  }

  private async issueNow(
    namespace: string,
    model: string,
    request: { claim: string; floor: number; unusable?: number },
  ): Promise<number> {
    const name = versionLedgerName(model);
    for (let attempt = 1; ; attempt++) {
      const current = await this.client.get<V1ConfigMap>(
        BuiltinResources.configMap,
        namespace,
        name,
      );
      const claims = parseClaims(current?.data?.[CLAIMS_KEY]);
      const issued = claims.find(([claim]) => claim === request.claim)?.[1];
      if (issued !== undefined && issued !== request.unusable) return issued;
      const recorded = Number(current?.data?.[LEDGER_KEY] ?? '0');
      const next = Math.max(Number.isInteger(recorded) ? recorded : 0, request.floor) + 1;
      const kept = [
        ...claims.filter(([claim]) => claim !== request.claim),
        [request.claim, next] as const,
      ].slice(-CLAIMS_KEPT);
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
        data: {
          ...current?.data,
          [LEDGER_KEY]: String(next),
          [CLAIMS_KEY]: JSON.stringify(Object.fromEntries(kept)),
        },
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

/** The claims a ledger records, oldest first; a value that is not the ledger's counts as none. */
function parseClaims(text: string | undefined): (readonly [string, number])[] {
  if (text === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return [];
    return Object.entries(parsed).filter(
      (entry): entry is [string, number] => typeof entry[1] === 'number',
    );
  } catch {
    return [];
  }
}
