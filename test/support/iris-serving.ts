/**
 * The iris pipeline served for real: a local runner whose pods read the example's data and
 * models, and the operator's claims of the same directories.
 */
import { join } from 'node:path';
import { startLocalRunner, type LocalRunner } from '../../operator/src/devcluster/index.js';
import { REPO, type TestCluster } from './cluster.js';
import { FERRY_IMAGE, IRIS_DATA } from './ferry.js';

/** The committed iris models, claimed as `ferry-models` (`v1/model.onnx` is iris-v1). */
export const IRIS_MODELS = join(REPO, 'examples', 'iris', 'models');

/** `ferry operator` flags that mount the iris data and models as their claims. */
export const IRIS_CLAIM_FLAGS = [
  '--claim',
  `ferry-data=${IRIS_DATA}`,
  '--claim',
  `ferry-models=${IRIS_MODELS}`,
];

/**
 * A local runner for `cluster` with the iris claims, its pods on `127.0.<octet>.N` and its
 * Services on `127.0.<octet + 5>.N`, so test files running at once never share addresses.
 */
export function startIrisRunner(
  cluster: TestCluster,
  stateDir: string,
  octet: number,
): Promise<LocalRunner> {
  return startLocalRunner({
    server: cluster.devcluster.url,
    ferry: FERRY_IMAGE,
    stateDir,
    claims: { 'ferry-models': IRIS_MODELS, 'ferry-data': IRIS_DATA },
    addressPrefix: `127.0.${String(octet)}.`,
    serviceAddressPrefix: `127.0.${String(octet + 5)}.`,
  });
}
