/** Reading what the git sync shows users: its report ConfigMap, objects' labels, its metrics. */
import { createHmac } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuiltinResources } from '../../operator/src/runtime/resource.js';
import { eventually, type TestCluster } from './cluster.js';
import { startOperator, type OperatorProcess } from './operator-process.js';

export interface ReportData {
  revision?: string;
  result?: string;
  reason?: string;
  message?: string;
  problems?: string;
  lastSyncedRevision?: string;
  source?: string;
  syncedAt?: string;
}

export interface StoredConfigMap {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  data?: Record<string, string>;
}

export async function readReport(
  cluster: TestCluster,
  namespace: string,
): Promise<ReportData | undefined> {
  const report = await cluster.client.get<{ kind?: string; data?: ReportData }>(
    BuiltinResources.configMap,
    namespace,
    'ferry-gitops',
  );
  return report?.data;
}

/** Waits until the report names `revision` with `result`, and returns it. */
export async function reportFor(
  cluster: TestCluster,
  namespace: string,
  revision: string,
  result: string,
  timeoutMs = 15_000,
): Promise<ReportData> {
  let last: ReportData | undefined;
  try {
    return await eventually(
      async () => {
        last = await readReport(cluster, namespace);
        return last?.revision === revision && last.result === result ? last : undefined;
      },
      timeoutMs,
      `report ${revision.slice(0, 8)} ${result}`,
    );
  } catch (error) {
    throw new Error(`${String(error)}; last report: ${JSON.stringify(last)}`);
  }
}

export function configMap(
  cluster: TestCluster,
  namespace: string,
  name: string,
): Promise<StoredConfigMap | undefined> {
  return cluster.client.get<StoredConfigMap & { kind?: string }>(
    BuiltinResources.configMap,
    namespace,
    name,
  );
}

/** `sha256=<hex>`, the way GitHub signs a delivery, computed here with node:crypto. */
export function githubSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function postWebhook(
  address: string,
  body: string,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(`http://${address}/hooks/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

/** A signed `push` delivery of `ref` at `after`, as GitHub sends it. */
export function deliverPush(
  address: string,
  secret: string,
  push: { ref: string; after: string; delivery: string },
): Promise<Response> {
  const body = JSON.stringify({ ref: push.ref, after: push.after });
  return postWebhook(address, body, {
    'x-github-event': 'push',
    'x-github-delivery': push.delivery,
    'x-hub-signature-256': githubSignature(secret, body),
  });
}

/**
 * `ferry operator` syncing `repository` with polls an hour apart, so that after its first
 * sync only a push delivery signed with `secret` makes it sync again.
 */
export async function startWebhookOperator(
  kubeconfig: string,
  repository: string,
  secret: string,
  args: readonly string[] = [],
): Promise<OperatorProcess> {
  const secretFile = join(await mkdtemp(join(tmpdir(), 'ferry-secret-')), 'secret');
  await writeFile(secretFile, `${secret}\n`);
  return startOperator(kubeconfig, [
    '--leader-elect=false',
    '--git-dir',
    repository,
    '--git-interval',
    '1h',
    '--webhook-secret-file',
    secretFile,
    ...args,
  ]);
}

/**
 * `ferry operator` with no local repository, syncing `owner/repo` of a GitHub stand-in
 * through the API at `github.url`, with the token in `tokenFile`, polling every `interval`.
 */
export function startGitHubOperator(
  kubeconfig: string,
  github: { url: string; owner: string; repo: string },
  tokenFile: string,
  interval: string,
): Promise<OperatorProcess> {
  return startOperator(kubeconfig, [
    '--leader-elect=false',
    '--github-repo',
    `${github.owner}/${github.repo}`,
    '--github-api-url',
    github.url,
    '--github-token-file',
    tokenFile,
    '--git-interval',
    interval,
  ]);
}
