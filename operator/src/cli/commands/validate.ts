import { parseArgs } from 'node:util';
import { DEFAULT_MAX_FILE_SIZE } from '../../manifests/parse.js';
import {
  formatGithub,
  formatJson,
  formatSummary,
  formatText,
  ReportFormats,
  type ReportFormat,
} from '../../manifests/report.js';
import { readManifestSources } from '../../manifests/sources.js';
import { countBySeverity, validateManifests } from '../../manifests/validate.js';
import { ExitCode, UsageError, type CommandIO } from '../io.js';

export const validateUsage = `Usage: ferry validate [--format text|json|github] [--max-file-size BYTES] <file-or-dir>...

Checks every Ferry object in the given YAML files (directories are searched for
*.yaml and *.yml) against its schema, and the set as a whole: references between
objects, duplicate objects, names. Objects of other kinds pass through unchecked.

The report goes to stdout; each problem prints as:  path:line:col  Kind/name  .field.path  message

  --max-file-size BYTES  largest file read (default 10Mi; Ki, Mi and Gi suffixes work);
                         a larger one is reported as a problem and not checked

Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage or I/O error.`;

export async function validateCommand(argv: string[], io: CommandIO): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      format: { type: 'string', short: 'o', default: 'text' },
      'max-file-size': { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  const format = values.format;
  if (!isReportFormat(format)) {
    throw new UsageError(`unknown --format "${format}": use ${ReportFormats.join(', ')}`);
  }
  const maxFileSize =
    values['max-file-size'] === undefined
      ? DEFAULT_MAX_FILE_SIZE
      : parseByteSize(values['max-file-size']);
  if (positionals.length === 0) throw new UsageError('name at least one file or directory');

  const sources = await readManifestSources(positionals, io.cwd, maxFileSize);
  for (const message of sources.unreadable) io.stderr(`ferry validate: ${message}\n`);
  if (
    sources.files.length === 0 &&
    sources.problems.length === 0 &&
    sources.unreadable.length === 0
  ) {
    io.stderr('ferry validate: no .yaml or .yml files found\n');
    return ExitCode.usage;
  }

  const report = validateManifests(sources.files, { problems: sources.problems, maxFileSize });
  if (format === 'json') io.stdout(formatJson(report));
  else if (format === 'github') io.stdout(formatGithub(report));
  else io.stdout(formatText(report) + formatSummary(report));
  if (sources.unreadable.length > 0) return ExitCode.usage;
  return countBySeverity(report.problems).errors > 0 ? ExitCode.failed : ExitCode.ok;
}

function isReportFormat(value: string): value is ReportFormat {
  return (ReportFormats as readonly string[]).includes(value);
}

const BINARY_SUFFIXES: Readonly<Record<string, number>> = {
  '': 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
};

/** `1048576`, `512Ki`, `10Mi` or `1Gi` (a trailing `B` allowed) as a number of bytes. */
function parseByteSize(text: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)?B?$/.exec(text);
  const bytes = match === null ? NaN : Number(match[1]) * (BINARY_SUFFIXES[match[2] ?? ''] ?? NaN);
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new UsageError(
      `--max-file-size "${text}" is not a size: use a number of bytes, optionally with Ki, Mi or Gi`,
    );
  }
  return bytes;
}
