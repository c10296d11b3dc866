/** Every controller of the operator, wired to one context. */

import type { ClaimMounts } from '../data/source.js';
import type { ControllerDefinition } from '../runtime/manager.js';
import type { ControllerContext } from './context.js';
import { datasetController } from './dataset/controller.js';
import { driftMonitorController } from './drift-monitor/controller.js';
import type { DriftMetrics } from './drift-monitor/metrics.js';
import { inferenceServiceController } from './inference-service/controller.js';
import {
  modelVersionController,
  type ModelVersionControllerOptions,
} from './model-version/controller.js';
import { trainingJobController } from './training-job/controller.js';

export interface ControllerOptions {
  claims: ClaimMounts;
  defaultOutputUri: string;
  inspectArtifact: ModelVersionControllerOptions['inspect'];
  /** Image that runs `ferry serve` in model server pods. */
  serveImage: string;
  /** The DriftMonitors' metrics, made once per process on the operator's registry. */
  driftMetrics: DriftMetrics;
  /** Whether a git repository takes proposals (the DriftMonitor's pullRequest action). */
  proposals: boolean;
}

export function allControllers(
  context: ControllerContext,
  options: ControllerOptions,
): ControllerDefinition[] {
  return [
    datasetController(context, { claims: options.claims }),
    trainingJobController(context, { defaultOutputUri: options.defaultOutputUri }),
    modelVersionController(context, { inspect: options.inspectArtifact }),
    inferenceServiceController(context, { image: options.serveImage }),
    driftMonitorController(context, {
      metrics: options.driftMetrics,
      proposals: options.proposals,
    }),
  ];
}

export { FerryResources } from './resources.js';
export { DriftMetrics } from './drift-monitor/metrics.js';
export type { ControllerContext } from './context.js';
