import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runUp } from '../../up/start.js';
import { ExitCode, UsageError, type CommandIO } from '../io.js';
import { untilShutdownSignal } from '../signals.js';

export const upUsage = `Usage: ferry up [DIR] [--state-dir DIR] [--port N] [--fake-gpus N]

Runs the whole loop on this machine, without a cluster: the devcluster (an API server
emulator), Ferry's CRDs, the local runner (pods as local processes), the operator, and
the git sync of DIR (default .). If DIR is the top of a git repository, its checked-out
branch is synced; otherwise Ferry makes a repository of DIR's files under the state
directory, prints where, and syncs that (commit there to change what runs). Progress is
printed as it happens; Ctrl-C stops everything. Run again with the same state directory
to resume; a second ferry up on a state directory in use exits 2.

Flags:
  --state-dir DIR   where everything is kept (default $XDG_STATE_HOME/ferry/up/<name>,
                    else ~/.local/state/ferry/up/<name>, <name> from DIR's path)
  --port N          the API server's port (default 0: a free one)
  --fake-gpus N     register a node with N fake nvidia.com/gpu for GPU TrainingJobs`;

function defaultStateDir(folder: string): string {
  const root = process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state');
  const hash = createHash('sha256').update(folder).digest('hex').slice(0, 8);
  return join(root, 'ferry', 'up', `${basename(folder) || 'root'}-${hash}`);
}

function count(name: string, value: string, max: number): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > max)
    throw new UsageError(`--${name} must be a number from 0 to ${String(max)}, not "${value}"`);
  return parsed;
}

export async function upCommand(
  argv: string[],
  io: CommandIO,
  stopWhen: () => Promise<string> = untilShutdownSignal,
): Promise<ExitCode> {
  const startedAt = Date.now();
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'state-dir': { type: 'string' },
      port: { type: 'string', default: '0' },
      'fake-gpus': { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 1) throw new UsageError('ferry up takes one folder');
  const folder = resolve(io.cwd, positionals[0] ?? '.');
  const stateDir = resolve(io.cwd, values['state-dir'] ?? defaultStateDir(folder));
  const fakeGpus =
    values['fake-gpus'] === undefined ? undefined : count('fake-gpus', values['fake-gpus'], 1024);
  const script = process.argv[1];
  if (script === undefined) throw new UsageError('cannot tell how this ferry was started');
  io.stdout(`ferry up ${folder}\nstate: ${stateDir}\n`);
  const outcome = await runUp({
    folder,
    stateDir,
    port: count('port', values.port, 65_535),
    ...(fakeGpus === undefined ? {} : { fakeGpus }),
    ferryCommand: [process.execPath, script],
    print: (line) => {
      io.stdout(`${line}\n`);
    },
    until: stopWhen(),
    startedAt,
  });
  switch (outcome.result) {
    case 'already-running':
      io.stderr(
        `ferry up: already running on ${stateDir} (pid ${String(outcome.pid)}); stop it, or use another --state-dir\n`,
      );
      return ExitCode.usage;
    case 'operator-exited':
      return ExitCode.failed;
    case 'stopped':
      io.stdout(`stopped on ${outcome.reason}; run the same command again to resume\n`);
      return ExitCode.ok;
  }
}
