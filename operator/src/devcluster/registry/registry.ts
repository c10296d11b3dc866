import { builtinTypes } from './builtins.js';
import { typesFromCrd } from './crd.js';
import type { JsonObject } from '../core/json.js';
import type { ResourceType } from './types.js';

/**
 * The live set of served resources: built-ins plus whatever the stored CRDs define.
 * `revision` changes whenever the set changes, so discovery and OpenAPI can cache.
 */
export class Registry {
  private readonly builtins = builtinTypes();
  private readonly custom = new Map<string, ResourceType[]>();
  private cached: ResourceType[] | undefined;
  revision = 0;

  all(): ResourceType[] {
    this.cached ??= [...this.builtins, ...[...this.custom.values()].flat()];
    return this.cached;
  }

  find(group: string, version: string, resource: string): ResourceType | undefined {
    return this.all().find(
      (type) => type.group === group && type.version === version && type.resource === resource,
    );
  }

  /** Registers (or re-registers) the kinds of a CRD; a CRD serving nothing unregisters. */
  defineCrd(crd: JsonObject, name: string): void {
    const types = typesFromCrd(crd);
    if (types.length === 0) this.custom.delete(name);
    else this.custom.set(name, types);
    this.cached = undefined;
    this.revision++;
  }

  removeCrd(name: string): void {
    if (this.custom.delete(name)) {
      this.cached = undefined;
      this.revision++;
    }
  }

  /** Every group/version served, core first, in a stable order. */
  groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const type of this.all())
      seen.set(`${type.group}/${type.version}`, { group: type.group, version: type.version });
    return [...seen.values()];
  }
}
