import { PRODUCT } from '../api/index.js';
import { packageVersion } from '../runtime/version.js';
import { ExitCode, UsageError, type CommandIO } from './io.js';

interface LoadedCommand {
  usage: string;
  run: (argv: string[], io: CommandIO) => Promise<ExitCode>;
}

interface Command {
  summary: string;
  /**
   * Loads the command's module on first use, so `ferry validate` never pays for
   * onnxruntime and the operator's memory holds only what the operator runs.
   */
  load: () => Promise<LoadedCommand>;
}

const COMMANDS: Record<string, Command> = {
  up: {
    summary: 'Run the whole loop on this machine: cluster, operator, git sync, pods',
    load: async () => {
      const { upCommand, upUsage } = await import('./commands/up.js');
      return { usage: upUsage, run: upCommand };
    },
  },
  validate: {
    summary: 'Check Ferry manifests against their schemas and each other',
    load: async () => {
      const { validateCommand, validateUsage } = await import('./commands/validate.js');
      return { usage: validateUsage, run: validateCommand };
    },
  },
  operator: {
    summary: "Run Ferry's controllers against a Kubernetes API server",
    load: async () => {
      const { operatorCommand, operatorUsage } = await import('./commands/operator.js');
      return { usage: operatorUsage, run: operatorCommand };
    },
  },
  load: {
    summary: 'Send iris (or any CSV) traffic to a model, normal or shifted',
    load: async () => {
      const { loadCommand, loadUsage } = await import('./commands/load.js');
      return { usage: loadUsage, run: loadCommand };
    },
  },
  train: {
    summary: 'Start a new run of a TrainingJob',
    load: async () => {
      const { trainCommand, trainUsage } = await import('./commands/train.js');
      return { usage: trainUsage, run: trainCommand };
    },
  },
  serve: {
    summary: 'Serve an ONNX model over the Open Inference Protocol v2',
    load: async () => {
      const { serveCommand, serveUsage } = await import('./commands/serve.js');
      return { usage: serveUsage, run: serveCommand };
    },
  },
  'model-info': {
    summary: "Verify a model artifact's digest and print its signature",
    load: async () => {
      const { modelInfoCommand, modelInfoUsage } = await import('./commands/model-info.js');
      return { usage: modelInfoUsage, run: modelInfoCommand };
    },
  },
  devcluster: {
    summary: 'Run an in-process Kubernetes API server emulator on 127.0.0.1',
    load: async () => {
      const { devclusterCommand, devclusterUsage } = await import('./commands/devcluster.js');
      return { usage: devclusterUsage, run: devclusterCommand };
    },
  },
  drift: {
    summary: 'Compare current data with a reference and report drift per feature',
    load: async () => {
      const { driftCommand, driftUsage } = await import('./commands/drift.js');
      return { usage: driftUsage, run: driftCommand };
    },
  },
  crds: {
    summary: "Print or write Ferry's CustomResourceDefinitions",
    load: async () => {
      const { crdsCommand, crdsUsage } = await import('./commands/crds.js');
      return { usage: crdsUsage, run: crdsCommand };
    },
  },
};

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return `Ferry: a GitOps ML operator for Kubernetes.\n\nUsage: ferry <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun \`ferry <command> --help\` for a command's flags, \`ferry --version\` for the version.\n`;
}

/** Dispatches argv to a subcommand and maps errors to exit codes. Never throws. */
export async function runCli(argv: string[], io: CommandIO): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(overview());
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === '--version' || name === 'version') {
    io.stdout(`${PRODUCT} ${packageVersion(PRODUCT)}\n`);
    return ExitCode.ok;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    io.stderr(`ferry: unknown command "${name}"\n\n${overview()}`);
    return ExitCode.usage;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(`ferry ${name}: ${(error as Error).message}\n\n${command.usage}\n`);
      return ExitCode.usage;
    }
    // Anything else is an environment failure (I/O, network) the command did not expect;
    // report it plainly instead of a stack trace, which FERRY_DEBUG=1 restores.
    const detail =
      process.env.FERRY_DEBUG === '1' && error instanceof Error
        ? error.stack
        : String(error instanceof Error ? error.message : error);
    io.stderr(`ferry ${name}: ${detail ?? 'unknown error'}\n`);
    return ExitCode.usage;
  }
}

function isParseArgsError(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('ERR_PARSE_ARGS')
  );
}
