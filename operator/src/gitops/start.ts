/**
 * The git sync as `ferry operator` runs it: one source, the push webhook on the
 * operator's HTTP server (served by every replica), and a sync loop that runs only while
 * this replica leads.
 */

import type { RequestListener } from 'node:http';
import type { Registry } from 'prom-client';
import type { KubeClient } from '../runtime/client.js';
import type { EventRecorder } from '../runtime/events.js';
import type { Logger } from '../runtime/logger.js';
import { normalizeTreePath } from './git/repository.js';
import { SyncLoop } from './loop.js';
import { ManifestReader } from './manifest-files.js';
import { GitOpsMetrics } from './metrics.js';
import type { SyncReporter } from './outcome.js';
import { Redactor, secretsOfUrl } from './redact.js';
import { ConfigMapReporter } from './report.js';
import { localGitSource, remoteGitSource, type TreeSource } from './source.js';
import { githubWebhookHandler, WEBHOOK_PATH, type WebhookDelivery } from './webhook.js';

export type GitLocation =
  { kind: 'directory'; directory: string } | { kind: 'url'; url: string; cacheDir: string };

export interface GitOpsOptions {
  branch: string;
  /** The folder whose manifests are synced, `''` for the whole tree. */
  path: string;
  intervalMs: number;
  /** False: apply and prune nothing (another tool syncs); the source stays readable. */
  sync: boolean;
  /** Signs `POST /hooks/github`; without it the route is not served. */
  webhookSecret: string | undefined;
  /** Where the `ferry-gitops` report ConfigMap lives. */
  reportNamespace: string;
}

export interface GitOps {
  source: TreeSource;
  /** Masks every credential the sync knows; add more (a GitHub token) with `add`. */
  redactor: Redactor;
  /** HTTP routes for the operator's server. */
  routes: Map<string, RequestListener>;
  /** Outcomes also go to `reporter` (e.g. commit statuses on a git host). */
  addReporter(reporter: SyncReporter): void;
  /** Starts syncing (call it once this replica leads); returns the function that stops it. */
  startGitSync(cluster: { client: KubeClient; recorder: EventRecorder }): () => Promise<void>;
}

/** The source for a `--git-dir` or `--git-url`, with a redactor that knows the URL's credentials. */
export async function openGitSource(
  location: GitLocation,
  branch: string,
): Promise<{ source: TreeSource; redactor: Redactor }> {
  if (location.kind === 'directory') {
    const redactor = new Redactor();
    const redact = (text: string): string => redactor.redact(text);
    return { source: await localGitSource(location.directory, branch, redact), redactor };
  }
  const redactor = new Redactor(secretsOfUrl(location.url));
  const redact = (text: string): string => redactor.redact(text);
  return { source: remoteGitSource(location.url, branch, location.cacheDir, redact), redactor };
}

export function prepareGitOps(
  opened: { source: TreeSource; redactor: Redactor },
  options: GitOpsOptions,
  dependencies: { registry: Registry; log: Logger },
): GitOps {
  const log = dependencies.log.child({ controller: 'gitops' });
  const path = normalizeTreePath(options.path);
  const reporters: SyncReporter[] = [new GitOpsMetrics(dependencies.registry)];
  let loop: SyncLoop | undefined;

  const onDelivery = (delivery: WebhookDelivery): string => {
    if (delivery.event === 'ping') return 'pong';
    if (delivery.event !== 'push') return `ignored: event ${delivery.event}`;
    const ref = (delivery.payload as { ref?: unknown } | null)?.ref;
    if (ref !== `refs/heads/${options.branch}`) return 'ignored: not the tracked branch';
    if (!options.sync) return 'ignored: sync is off (--git-sync=false)';
    if (loop === undefined) return 'accepted: this replica is not leading; the leader polls';
    loop.trigger();
    return 'sync triggered';
  };
  const routes = new Map<string, RequestListener>();
  if (options.webhookSecret !== undefined) {
    routes.set(
      WEBHOOK_PATH,
      githubWebhookHandler({ secret: options.webhookSecret, onDelivery, log }),
    );
  }

  return {
    source: opened.source,
    redactor: opened.redactor,
    routes,
    addReporter: (reporter) => reporters.push(reporter),
    startGitSync: ({ client, recorder }) => {
      if (!options.sync) {
        log.info({ source: opened.source.description }, 'git sync is off: applying nothing');
        return () => Promise.resolve();
      }
      const report = new ConfigMapReporter(
        client,
        recorder,
        {
          namespace: options.reportNamespace,
          source: opened.source.description,
          branch: options.branch,
          path,
        },
        log,
      );
      const current = new SyncLoop({
        client,
        source: opened.source,
        reader: new ManifestReader(opened.source),
        path,
        intervalMs: options.intervalMs,
        reporters: [report, ...reporters],
        loadKinds: async () => (await report.load()).kinds,
        log,
      });
      loop = current;
      current.start();
      log.info(
        { source: opened.source.description, path: path === '' ? '/' : path },
        'git sync started',
      );
      return async () => {
        loop = undefined;
        await current.stop();
      };
    },
  };
}
