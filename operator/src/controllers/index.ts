/** Every controller of the operator, wired to one context. */

import type { ClaimMounts } from '../data/source.js';
import type { ControllerDefinition } from '../runtime/manager.js';
import type { ControllerContext } from './context.js';
import { datasetController } from './dataset/controller.js';
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
  ];
}

export { FerryResources } from './resources.js';
export type { ControllerContext } from './context.js';
