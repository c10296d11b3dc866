/**
 * Watches the objects whose changes `ferry up` reports (the sync report and Ferry's five
 * kinds, in the namespace the sync applies to) with informers, and hands each change to
 * `progressLines`. It also tells when an InferenceService first becomes Ready, so the
 * caller can print how to reach it.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { InferenceService } from '../api/index.js';
import { FerryResources } from '../controllers/resources.js';
import { REPORT_NAME } from '../gitops/report.js';
import type { KubeClient } from '../runtime/client.js';
import { Informer, type InformerEvent } from '../runtime/informer.js';
import type { Logger } from '../runtime/logger.js';
import { BuiltinResources, type Resource } from '../runtime/resource.js';
import { progressLines, type ObservedChange, type ProgressContext } from './progress.js';

export interface ProgressWatch {
  stop(): Promise<void>;
}

export interface ProgressWatchOptions {
  client: KubeClient;
  namespace: string;
  context: ProgressContext;
  log: Logger;
  print: (line: string) => void;
  /** Called for every InferenceService change, with the object as it is now. */
  onService: (service: InferenceService) => void;
}

const WATCHED: readonly { resource: Resource; kind: ObservedChange['kind'] }[] = [
  { resource: BuiltinResources.configMap, kind: 'SyncReport' },
  { resource: FerryResources.dataset, kind: 'Dataset' },
  { resource: FerryResources.trainingJob, kind: 'TrainingJob' },
  { resource: FerryResources.modelVersion, kind: 'ModelVersion' },
  { resource: FerryResources.inferenceService, kind: 'InferenceService' },
  { resource: FerryResources.driftMonitor, kind: 'DriftMonitor' },
];

export function watchProgress(options: ProgressWatchOptions): ProgressWatch {
  const informers = WATCHED.map(({ resource, kind }) => {
    const informer = new Informer<KubernetesObject>(options.client, resource, {
      namespace: options.namespace,
      log: options.log,
    });
    informer.onEvent((event: InformerEvent<KubernetesObject>) => {
      if (event.type === 'delete' || event.type === 'resync') return;
      if (kind === 'SyncReport' && event.object.metadata?.name !== REPORT_NAME) return;
      const change = {
        kind,
        current: event.object,
        ...(event.type === 'update' ? { old: event.old } : {}),
      } as ObservedChange;
      for (const line of progressLines(change, options.context)) options.print(line);
      if (change.kind === 'InferenceService') options.onService(change.current);
    });
    informer.start();
    return informer;
  });
  return {
    stop: async () => {
      await Promise.all(informers.map((informer) => informer.stop()));
    },
  };
}
