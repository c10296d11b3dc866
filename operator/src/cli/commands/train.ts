import { parseArgs } from 'node:util';
import { GROUP, Labels, PRODUCT, TrainingJob } from '../../api/index.js';
import { requestRun } from '../../controllers/training-job/request.js';
import { apiErrorMessage, KubeClient } from '../../runtime/client.js';
import { ExitCode, UsageError, type CommandIO } from '../io.js';
import { loadKubeConfig } from '../kubeconfig.js';

export const trainUsage = `Usage: ferry train NAME [-n NAMESPACE] [--kubeconfig FILE]

Starts a new run of TrainingJob NAME by setting its ${Labels.run} annotation to the
time of the request, as \`kubectl annotate trainingjob NAME ${Labels.run}=… --overwrite\`
would. The run registers the model's next version when it succeeds.

Flags:
  -n, --namespace NS   namespace of the TrainingJob (default: the kubeconfig context's)
  --kubeconfig FILE    kubeconfig to use (default: $KUBECONFIG, else in-cluster)`;

export async function trainCommand(argv: string[], io: CommandIO): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      namespace: { type: 'string', short: 'n' },
      kubeconfig: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [name, ...extra] = positionals;
  if (name === undefined) throw new UsageError('name the TrainingJob to train');
  if (extra.length > 0) throw new UsageError(`one TrainingJob at a time, not ${extra.join(' ')}`);
  const client = new KubeClient(loadKubeConfig(values.kubeconfig));
  const namespace = values.namespace ?? client.defaultNamespace;
  const value = new Date().toISOString();
  const resource = `${TrainingJob.singular}.${GROUP}/${name}`;
  try {
    if (!(await requestRun(client, { namespace, name }, value, PRODUCT))) {
      io.stderr(`ferry train: ${resource} not found in namespace ${namespace}\n`);
      return ExitCode.failed;
    }
  } catch (error) {
    io.stderr(`ferry train: ${resource} in namespace ${namespace}: ${apiErrorMessage(error)}\n`);
    return ExitCode.failed;
  }
  io.stdout(`${resource} run requested (${Labels.run}=${value})\n`);
  return ExitCode.ok;
}
