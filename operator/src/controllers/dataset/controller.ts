/**
 * The Dataset controller's shell: decides whether a Dataset is due for a read, streams
 * its source once through `analyseDataset`, and writes what `planDataset` says.
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import type { Dataset } from '../../api/index.js';
import { analyseDataset, DataFormatError } from '../../data/analyse.js';
import { CsvSyntaxError } from '../../data/csv.js';
import { openSource, SourceError, type ClaimMounts } from '../../data/source.js';
import { getCondition } from '../../runtime/conditions.js';
import { parseObjectKey } from '../../runtime/key.js';
import type { ControllerDefinition } from '../../runtime/manager.js';
import type { ReconcileResult } from '../../runtime/requeue.js';
import { applyStatusIfChanged } from '../../runtime/status.js';
import type { ControllerContext } from '../context.js';
import { FerryResources } from '../resources.js';
import { decideCheck, planDataset, type CheckOutcome } from './plan.js';
import { errorMessage } from '../../runtime/errors.js';

export interface DatasetControllerOptions {
  /** Where each PersistentVolumeClaim named by pvc:// URIs is mounted in this process. */
  claims: ClaimMounts;
  workers?: number;
}

/** Reads the source and analyses it; failures become outcomes, never exceptions. */
async function check(dataset: Dataset, claims: ClaimMounts): Promise<CheckOutcome> {
  const spec = dataset.spec;
  const columns = [
    ...(spec.schema?.features ?? []),
    ...(spec.schema?.target === undefined ? [] : [spec.schema.target]),
  ];
  try {
    const source = await openSource(spec.source.uri, { claims });
    const analysis = await analyseDataset(source.stream, {
      format: spec.source.format ?? 'csv',
      ...(columns.length === 0 ? {} : { columns }),
      ...(spec.quality === undefined ? {} : { quality: spec.quality }),
      ...(spec.profile?.histogramBins === undefined
        ? {}
        : { histogramBins: spec.profile.histogramBins }),
      ...(spec.profile?.referenceSampleSize === undefined
        ? {}
        : { referenceSampleSize: spec.profile.referenceSampleSize }),
      seed: spec.split?.seed ?? 0,
    });
    return { ok: true, analysis };
  } catch (error) {
    if (error instanceof SourceError) {
      return {
        ok: false,
        reason: error.reason,
        message: error.message,
        retryable: error.retryable,
      };
    }
    if (error instanceof DataFormatError || error instanceof CsvSyntaxError) {
      return { ok: false, reason: 'InvalidData', message: error.message, retryable: false };
    }
    return {
      ok: false,
      reason: 'SourceUnreachable',
      message: errorMessage(error),
      retryable: true,
    };
  }
}

/** A retryable source failure is tried again sooner than the Dataset's interval. */
const RETRY_SOURCE_MS = 30_000;

export function datasetController(
  context: ControllerContext,
  options: DatasetControllerOptions,
): ControllerDefinition {
  const { manager, client, clock, recorder, fieldManager } = context;
  const datasets = manager.informer<Dataset & KubernetesObject>(FerryResources.dataset);

  async function reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = parseObjectKey(key);
    const dataset = datasets.get(namespace, name);
    if (dataset === undefined || dataset.metadata.deletionTimestamp !== undefined) return {};
    const decision = decideCheck(dataset, clock.now());
    if (!decision.check) return { requeueAfterMs: decision.requeueAfterMs };

    const outcome = await check(dataset, options.claims);
    const plan = planDataset(dataset, outcome, clock.now());
    if (plan.configMap !== undefined) await client.apply(plan.configMap, fieldManager);
    const wasReady = getCondition(dataset.status?.conditions, 'Ready');
    await applyStatusIfChanged(client, FerryResources.dataset, dataset, plan.status, fieldManager);

    const ready = getCondition(plan.status.conditions, 'Ready');
    if (
      ready !== undefined &&
      (ready.status !== wasReady?.status || ready.reason !== wasReady.reason)
    ) {
      await recorder.record(dataset, {
        type: ready.status === 'True' ? 'Normal' : 'Warning',
        reason: ready.reason,
        action: 'ReadSource',
        note: ready.message,
      });
    } else if (plan.digestChanged && wasReady !== undefined) {
      await recorder.record(dataset, {
        type: 'Normal',
        reason: 'DigestChanged',
        action: 'ReadSource',
        note: `new data: ${plan.status.digest ?? ''}`,
      });
    }
    const retrySoon = !outcome.ok && outcome.retryable;
    return {
      requeueAfterMs: retrySoon
        ? Math.min(RETRY_SOURCE_MS, plan.requeueAfterMs)
        : plan.requeueAfterMs,
    };
  }

  return {
    name: 'dataset',
    primary: FerryResources.dataset,
    workers: options.workers ?? 2,
    reconcile,
  };
}
