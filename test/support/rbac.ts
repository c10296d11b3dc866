/**
 * What the operator did, read from the devcluster's audit log, against what the Helm
 * chart grants it, read from the rules file its RBAC templates render.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { AuditRecord } from '../../operator/src/devcluster/http/audit.js';
import { REPO } from './cluster.js';

/** The chart's permission rules, by where they are bound. */
export const RULES_FILE = join(REPO, 'charts', 'ferry', 'files', 'rbac-rules.yaml');

/** Where a permission is needed, as the chart binds its rules. */
export const Scopes = {
  /** Each watched namespace (a Role there), or every namespace (a ClusterRole). */
  watched: 'watched',
  /** The release's own namespace: the Lease and the sync report. */
  release: 'release',
  /** Cluster-scoped resources (always a ClusterRole). */
  cluster: 'cluster',
  /**
   * Namespaced resources read across all namespaces even when only some are watched: the
   * git sync lists what it applied everywhere, to prune it (a ClusterRole with the sync on).
   */
  allNamespaces: 'allNamespaces',
} as const;
export type Scope = (typeof Scopes)[keyof typeof Scopes];

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** `patch ml.ferry.dev/inferenceservices/status`: one permission, in RBAC's terms. */
export function permission(verb: string, group: string, resource: string): string {
  return `${verb} ${group === '' ? 'core' : group}/${resource}`;
}

/** The user the audit log names for a bearer token. */
export function auditUserOf(token: string): string {
  return `token:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}

/**
 * The permissions each call of `user` in the audit log needed, by scope. A server-side
 * apply that created its object (201) needs `create` besides `patch`, as kube-apiserver
 * authorizes it. Non-resource URLs (discovery, `/version`, OpenAPI) are left out: every
 * authenticated user may read them through the `system:discovery` ClusterRole.
 */
export async function recordedPermissions(
  auditLogPath: string,
  user: string,
  scopeOf: (record: AuditRecord) => Scope,
): Promise<Map<Scope, Map<string, string>>> {
  const byScope = new Map<Scope, Map<string, string>>();
  const text = await readFile(auditLogPath, 'utf8');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const record = JSON.parse(line) as AuditRecord;
    if (record.user !== user || record.resource === undefined) continue;
    const scope = scopeOf(record);
    const where = `${record.verb} ${record.resource} in ${record.namespace ?? 'the cluster'}`;
    const seen = byScope.get(scope) ?? new Map<string, string>();
    byScope.set(scope, seen);
    const resource =
      record.subresource === undefined
        ? record.resource
        : `${record.resource}/${record.subresource}`;
    const verbs =
      record.verb === 'patch' && record.code === 201 ? ['patch', 'create'] : [record.verb];
    for (const verb of verbs) {
      seen.set(permission(verb, record.group ?? '', resource), where);
    }
  }
  return byScope;
}

type RulesFile = Partial<Record<Scope, { always?: PolicyRule[]; sync?: PolicyRule[] }>>;

/**
 * The permissions the chart grants, by scope, expanded to one per verb, group and
 * resource: each scope's `always` rules, and its `sync` rules when Ferry syncs from git.
 */
export async function grantedPermissions(mode: {
  sync: boolean;
}): Promise<Map<Scope, Set<string>>> {
  const file = parse(await readFile(RULES_FILE, 'utf8')) as RulesFile;
  const byScope = new Map<Scope, Set<string>>();
  for (const scope of Object.values(Scopes)) {
    const granted = new Set<string>();
    const rules = [...(file[scope]?.always ?? []), ...(mode.sync ? (file[scope]?.sync ?? []) : [])];
    for (const rule of rules) {
      for (const group of rule.apiGroups)
        for (const resource of rule.resources)
          for (const verb of rule.verbs) granted.add(permission(verb, group, resource));
    }
    byScope.set(scope, granted);
  }
  return byScope;
}

/** `group/resource` of every namespaced resource the API server serves, from its discovery. */
export async function namespacedResources(server: string): Promise<Set<string>> {
  const json = async <T>(path: string): Promise<T> =>
    (await (await fetch(`${server}${path}`)).json()) as T;
  interface ResourceList {
    resources: { name: string; namespaced: boolean }[];
  }
  const versions: { group: string; path: string }[] = [{ group: '', path: '/api/v1' }];
  const groups = await json<{
    groups: { name: string; preferredVersion: { groupVersion: string } }[];
  }>('/apis');
  for (const group of groups.groups)
    versions.push({ group: group.name, path: `/apis/${group.preferredVersion.groupVersion}` });
  const namespaced = new Set<string>();
  for (const { group, path } of versions) {
    for (const resource of (await json<ResourceList>(path)).resources)
      if (resource.namespaced) namespaced.add(`${group}/${resource.name.split('/')[0] ?? ''}`);
  }
  return namespaced;
}

/** Every rule of the rules file, for checks that hold for each (no wildcards). */
export async function allRules(): Promise<PolicyRule[]> {
  const file = parse(await readFile(RULES_FILE, 'utf8')) as RulesFile;
  return Object.values(Scopes).flatMap((scope) => [
    ...(file[scope]?.always ?? []),
    ...(file[scope]?.sync ?? []),
  ]);
}
