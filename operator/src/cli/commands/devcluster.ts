import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DevCluster } from '../../devcluster/index.js';
import { ExitCode, UsageError, type CommandIO } from '../io.js';
import { untilShutdownSignal } from '../signals.js';

export const devclusterUsage = `Usage: ferry devcluster [--port N] [--state-dir DIR] [--kubeconfig FILE] [--tls]

Runs devcluster, an in-process Kubernetes API server emulator, on 127.0.0.1 until
SIGINT or SIGTERM. Port 0 (the default) picks a free port. With --state-dir, objects
survive a restart. The kubeconfig goes to FILE, by default DIR/kubeconfig (without a
state directory, a fresh temporary folder's kubeconfig, removed on exit). With --tls it serves HTTPS with a generated
CA (kept in DIR/tls) that the kubeconfig trusts; without, plain HTTP.`;

export async function devclusterCommand(
  argv: string[],
  io: CommandIO,
  stopWhen: () => Promise<string> = untilShutdownSignal,
): Promise<ExitCode> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '0' },
      'state-dir': { type: 'string' },
      kubeconfig: { type: 'string' },
      tls: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port must be a number from 0 to 65535, not "${values.port}"`);
  }
  const stateDir =
    values['state-dir'] === undefined ? undefined : resolve(io.cwd, values['state-dir']);
  // Without a state directory nothing is written into the current folder.
  const scratch =
    values.kubeconfig === undefined && stateDir === undefined
      ? await mkdtemp(join(tmpdir(), 'ferry-devcluster-'))
      : undefined;
  const kubeconfig = resolve(
    io.cwd,
    values.kubeconfig ?? join(stateDir ?? scratch ?? '.', 'kubeconfig'),
  );
  const tls = values.tls;
  const cluster = await DevCluster.start(
    stateDir === undefined ? { port, tls } : { port, stateDir, tls },
  );
  await cluster.writeKubeconfig(kubeconfig);
  io.stdout(`kubeconfig: ${kubeconfig}\nserver: ${cluster.url}\n`);
  const signal = await stopWhen();
  await cluster.stop();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  io.stderr(`devcluster: stopped on ${signal}\n`);
  return ExitCode.ok;
}
