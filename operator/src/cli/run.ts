import { crdsCommand, crdsUsage } from './commands/crds.js';
import { validateCommand, validateUsage } from './commands/validate.js';
import { ExitCode, UsageError, type CommandIO } from './io.js';

interface Command {
  summary: string;
  usage: string;
  run: (argv: string[], io: CommandIO) => Promise<ExitCode>;
}

const COMMANDS: Record<string, Command> = {
  validate: {
    summary: 'Check Ferry manifests against their schemas and each other',
    usage: validateUsage,
    run: validateCommand,
  },
  crds: {
    summary: "Print or write Ferry's CustomResourceDefinitions",
    usage: crdsUsage,
    run: crdsCommand,
  },
};

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return `Ferry: a GitOps ML operator for Kubernetes.\n\nUsage: ferry <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun \`ferry <command> --help\` for a command's flags.\n`;
}

/** Dispatches argv to a subcommand and maps errors to exit codes. Never throws. */
export async function runCli(argv: string[], io: CommandIO): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(overview());
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr(`ferry: unknown command "${name}"\n\n${overview()}`);
    return ExitCode.usage;
  }
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
