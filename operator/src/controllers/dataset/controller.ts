/**
 * The Dataset controller's shell: decides whether a Dataset is due for a read, streams
 * its source once through `analyseDataset`, and writes what `planDataset` says.
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import type { Dataset } from '../../api/index.js';
import { analyseDataset, DataFormatError } from '../../data/analyse.js';
import { CsvSyntaxError } from '../../data/csv.js';
import { openSource, SourceError, type ClaimMounts } from '../../data/source.js';
import { errorMessage } from '../../runtime/errors.js';
import { parseObjectKey } from '../../runtime/key.js';
import { labelKeys, type ControllerDefinition, type Selection } from '../../runtime/manager.js';
import { BuiltinResources } from '../../runtime/resource.js';
import { summarizeAndPatch } from '../../runtime/summarize.js';
import type { ControllerContext } from '../context.js';
import { FerryResources } from '../resources.js';
import {
  DATASET_LABEL,
  decideCheck,
  planDataset,
  profileConfigMapName,
  type CheckOutcome,
  type DatasetPlan,
} from './plan.js';

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

/** The profile ConfigMaps Ferry made, trimmed to their metadata: the controller reads no data. */
const ProfileConfigMaps: Selection = {
  labelSelector: DATASET_LABEL,
  transform: <O extends KubernetesObject>(object: O): O =>
    ({ apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata }) as O,
};

export function datasetController(
  context: ControllerContext,
  options: DatasetControllerOptions,
): ControllerDefinition {
  const { manager, clock } = context;
  const datasets = manager.informer<Dataset & KubernetesObject>(FerryResources.dataset);
  const profiles = manager.informer<KubernetesObject>(
    BuiltinResources.configMap,
    ProfileConfigMaps,
  );

  async function steps(
    dataset: Dataset & KubernetesObject,
    due: boolean,
  ): Promise<DatasetPlan | undefined> {
    const namespace = dataset.metadata.namespace ?? 'default';
    const profileMissing =
      dataset.status?.profileConfigMap !== undefined &&
      profiles.get(namespace, profileConfigMapName(dataset)) === undefined;
    if (!due && !profileMissing) return undefined;

    const outcome = await check(dataset, options.claims);
    const plan = planDataset(dataset, outcome, clock.now(), profileMissing);
    if (plan.configMap !== undefined)
      await context.client.apply(plan.configMap, context.fieldManager);
    const retrySoon = !outcome.ok && outcome.retryable;
    return retrySoon
      ? { ...plan, requeueAfterMs: Math.min(RETRY_SOURCE_MS, plan.requeueAfterMs) }
      : plan;
  }

  return {
    name: 'dataset',
    primary: FerryResources.dataset,
    workers: options.workers ?? 2,
    watches: [
      // A deleted profile is restored: its Dataset is read again.
      {
        resource: BuiltinResources.configMap,
        selection: ProfileConfigMaps,
        keys: labelKeys(DATASET_LABEL),
      },
    ],
    async reconcile(key) {
      const { namespace, name } = parseObjectKey(key);
      const dataset = datasets.get(namespace, name);
      if (dataset === undefined || dataset.metadata.deletionTimestamp !== undefined) return {};
      const decision = decideCheck(dataset, clock.now());
      const result = await summarizeAndPatch(context, FerryResources.dataset, dataset, () =>
        steps(dataset, decision.check),
      );
      // A Dataset not yet due is looked at again when it is.
      return decision.check ? result : { requeueAfterMs: decision.requeueAfterMs };
    },
  };
}
