/**
 * What `ferry up` prints to tell a person how to use what it started: the kubeconfig to
 * export, and, once a service answers, its URL with a request ready to paste. Pure.
 */
import type { Dataset, InferenceService, ModelVersion } from '../api/index.js';

export function clusterUsage(kubeconfig: string): string[] {
  return [`kubectl: export KUBECONFIG=${kubeconfig}`, '         kubectl get ferry'];
}

/**
 * An Open Inference Protocol request for the service's model: one row of the model's
 * first input, its values the baseline Dataset's feature means (zeros when unknown).
 */
export function exampleRequest(
  modelVersion: ModelVersion | undefined,
  dataset: Dataset | undefined,
): object {
  const signature = modelVersion?.status?.signature ?? modelVersion?.spec.signature;
  const inputs = signature?.inputs ?? [];
  const input = inputs[0];
  const width = input?.shape[1] ?? dataset?.spec.schema?.features.length ?? 1;
  const means = dataset?.status?.features ?? [];
  const row = (dataset?.spec.schema?.features ?? []).map((feature) => {
    const mean = means.find((profile) => profile.name === feature.name)?.mean;
    return mean === undefined ? 0 : Math.round(mean * 10) / 10;
  });
  const values = Array.from({ length: width > 0 ? width : 1 }, (_, index) => row[index] ?? 0);
  return {
    inputs: [
      {
        name: input?.name ?? 'input',
        datatype: input?.datatype ?? 'FP32',
        shape: [1, values.length],
        data: [values],
      },
    ],
  };
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

export function serviceUsage(
  service: InferenceService,
  request: object,
  readyAfterMs: number,
): string[] {
  const url = service.status?.url ?? '';
  const name = service.metadata.name ?? '';
  return [
    `${name} answers at ${url}, ${(readyAfterMs / 1000).toFixed(1)} s after ferry up started`,
    `  curl -s ${url}/infer -H 'content-type: application/json' \\`,
    `    -d ${shellQuote(JSON.stringify(request))}`,
    `  kubectl wait --for=condition=Ready infsvc/${name}`,
    `  ferry load ${url}`,
  ];
}
