/**
 * API discovery: legacy (`APIVersions`, `APIGroupList`, `APIResourceList`) and aggregated
 * (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`, served when the Accept header asks
 * for it, with that media type in Content-Type so clients know what they got).
 */
import type { JsonObject } from '../core/json.js';
import { isPods, POD_SUBRESOURCES } from '../handlers/pod-rules.js';
import type { Registry } from '../registry/registry.js';
import { apiVersionOf, type ResourceType } from '../registry/types.js';

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1 =
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** The aggregated media type the client prefers, if it asked for one. */
export function wantsAggregated(accept: string | undefined): string | undefined {
  for (const part of (accept ?? '').split(',')) {
    const type = part.replaceAll(' ', '');
    if (type.includes('as=APIGroupDiscoveryList') && type.includes('g=apidiscovery.k8s.io')) {
      return type.includes('v=v2beta1') ? AGGREGATED_V2BETA1 : AGGREGATED_V2;
    }
  }
  return undefined;
}

function groupsOf(registry: Registry, core: boolean): Map<string, Map<string, ResourceType[]>> {
  const groups = new Map<string, Map<string, ResourceType[]>>();
  for (const type of registry.all()) {
    if ((type.group === '') !== core) continue;
    const versions = groups.get(type.group) ?? new Map<string, ResourceType[]>();
    groups.set(type.group, versions);
    versions.set(type.version, [...(versions.get(type.version) ?? []), type]);
  }
  return groups;
}

/** Newest-first ordering of Kubernetes versions (v2 > v1 > v1beta1 > v1alpha1). */
function versionRank(version: string): number {
  const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
  if (!match) return 0;
  const stability = match[2] === undefined ? 3 : match[2] === 'beta' ? 2 : 1;
  return Number(match[1]) * 10_000 + stability * 1000 + Number(match[3] ?? 0);
}

function sortVersions(versions: Iterable<string>): string[] {
  return [...versions].sort((a, b) => versionRank(b) - versionRank(a));
}

export function aggregated(registry: Registry, core: boolean, mediaType: string): JsonObject {
  const apiVersion =
    mediaType === AGGREGATED_V2BETA1 ? 'apidiscovery.k8s.io/v2beta1' : 'apidiscovery.k8s.io/v2';
  const items = [...groupsOf(registry, core)].map(([group, versions]) => ({
    metadata: { name: group, creationTimestamp: null },
    versions: sortVersions(versions.keys()).map((version) => ({
      version,
      freshness: 'Current',
      resources: (versions.get(version) ?? []).map((type) => {
        const resource: JsonObject = {
          resource: type.resource,
          responseKind: { group: type.group, version: type.version, kind: type.kind },
          scope: type.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: type.singular,
          verbs: [...type.verbs],
        };
        if (type.shortNames.length > 0) resource['shortNames'] = [...type.shortNames];
        if (type.categories.length > 0) resource['categories'] = [...type.categories];
        const subresources: JsonObject[] = [];
        if (type.hasStatus) {
          subresources.push({
            subresource: 'status',
            responseKind: { group: type.group, version: type.version, kind: type.kind },
            verbs: ['get', 'patch', 'update'],
          });
        }
        if (type.scale !== undefined) {
          subresources.push({
            subresource: 'scale',
            responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
            verbs: ['get', 'patch', 'update'],
          });
        }
        if (isPods(type)) {
          for (const [subresource, kind, verbs] of POD_SUBRESOURCES)
            subresources.push({
              subresource,
              responseKind: { group: '', version: 'v1', kind },
              verbs: [...verbs],
            });
        }
        if (subresources.length > 0) resource['subresources'] = subresources;
        return resource;
      }),
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion, metadata: {}, items };
}

export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(group: string, versions: string[]): JsonObject {
  const list = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: list, preferredVersion: list[0] ?? {} };
}

export function apiGroupList(registry: Registry): JsonObject {
  const groups = [...groupsOf(registry, false)].map(([group, versions]) =>
    groupEntry(group, sortVersions(versions.keys())),
  );
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(registry: Registry, group: string): JsonObject | undefined {
  const versions = groupsOf(registry, false).get(group);
  if (versions === undefined) return undefined;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    ...groupEntry(group, sortVersions(versions.keys())),
  };
}

export function apiResourceList(
  registry: Registry,
  group: string,
  version: string,
): JsonObject | undefined {
  const types = registry.all().filter((type) => type.group === group && type.version === version);
  if (types.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const type of types) {
    const entry: JsonObject = {
      name: type.resource,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: [...type.verbs],
    };
    if (type.shortNames.length > 0) entry['shortNames'] = [...type.shortNames];
    if (type.categories.length > 0) entry['categories'] = [...type.categories];
    resources.push(entry);
    if (type.hasStatus) {
      resources.push({
        name: `${type.resource}/status`,
        singularName: '',
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
    if (isPods(type)) {
      for (const [subresource, kind, verbs] of POD_SUBRESOURCES)
        resources.push({
          name: `${type.resource}/${subresource}`,
          singularName: '',
          namespaced: true,
          kind,
          verbs: [...verbs],
        });
    }
    if (type.scale !== undefined) {
      resources.push({
        name: `${type.resource}/scale`,
        singularName: '',
        namespaced: type.namespaced,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources,
  };
}
