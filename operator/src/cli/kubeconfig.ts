import { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../runtime/errors.js';
import { UsageError } from './io.js';

/** The kubeconfig of `--kubeconfig FILE`, else `$KUBECONFIG`, else the in-cluster config. */
export function loadKubeConfig(file: string | undefined): KubeConfig {
  const config = new KubeConfig();
  const path = file ?? process.env.KUBECONFIG;
  try {
    if (path !== undefined && path !== '') config.loadFromFile(path);
    else config.loadFromCluster();
  } catch (error) {
    throw new UsageError(`cannot load a kubeconfig: ${errorMessage(error)}`);
  }
  return config;
}
