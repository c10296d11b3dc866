import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SourceFile } from '../../manifests/parse.js';
import { isManifestFileName, isSkippedDirectory } from '../../manifests/paths.js';
import {
  formatGithub,
  formatJson,
  formatSummary,
  formatText,
  ReportFormats,
  type ReportFormat,
} from '../../manifests/report.js';
import { countBySeverity, validateManifests } from '../../manifests/validate.js';
import { ExitCode, UsageError, type CommandIO } from '../io.js';

export const validateUsage = `Usage: ferry validate [--format text|json|github] <file-or-dir>...

Checks every Ferry object in the given YAML files (directories are searched for
*.yaml and *.yml) against its schema, and the set as a whole: references between
objects, duplicate objects, names. Objects of other kinds pass through unchecked.

Each problem prints as:  path:line:col  Kind/name  .field.path  message

Exit status: 0 valid (warnings allowed), 1 invalid, 2 usage or I/O error.`;

export async function validateCommand(argv: string[], io: CommandIO): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { format: { type: 'string', short: 'o', default: 'text' } },
    strict: true,
    allowPositionals: true,
  });
  const format = values.format;
  if (!isReportFormat(format)) {
    throw new UsageError(`unknown --format "${format}": use ${ReportFormats.join(', ')}`);
  }
  if (positionals.length === 0) throw new UsageError('name at least one file or directory');

  const { files, unreadable } = await readSources(positionals, io.cwd);
  for (const message of unreadable) io.stderr(`ferry validate: ${message}\n`);
  if (files.length === 0 && unreadable.length === 0) {
    io.stderr('ferry validate: no .yaml or .yml files found\n');
    return ExitCode.usage;
  }

  const report = validateManifests(files);
  if (format === 'json') io.stdout(formatJson(report));
  else if (format === 'github') io.stdout(formatGithub(report));
  else {
    io.stdout(formatText(report));
    io.stderr(formatSummary(report));
  }
  if (unreadable.length > 0) return ExitCode.usage;
  return countBySeverity(report.problems).errors > 0 ? ExitCode.failed : ExitCode.ok;
}

function isReportFormat(value: string): value is ReportFormat {
  return (ReportFormats as readonly string[]).includes(value);
}

/**
 * Reads the named files, and the *.yaml / *.yml files under the named directories
 * (skipping dot-directories and node_modules), in a stable order.
 */
async function readSources(
  paths: readonly string[],
  cwd: string,
): Promise<{ files: SourceFile[]; unreadable: string[] }> {
  const files: SourceFile[] = [];
  const unreadable: string[] = [];
  const display = (absolute: string): string => {
    const shown = relative(cwd, absolute);
    return shown === '' || shown.startsWith('..') ? absolute : shown;
  };
  const visit = async (absolute: string, named: boolean): Promise<void> => {
    let info;
    try {
      info = await stat(absolute);
    } catch (error) {
      unreadable.push(`cannot read ${display(absolute)}: ${describeIoError(error)}`);
      return;
    }
    if (info.isDirectory()) {
      const entries = (await readdir(absolute, { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      for (const entry of entries) {
        if (entry.isDirectory() && isSkippedDirectory(entry.name)) continue;
        if (entry.isDirectory() || isManifestFileName(entry.name)) {
          await visit(join(absolute, entry.name), false);
        }
      }
      return;
    }
    if (!named && !isManifestFileName(absolute)) return;
    try {
      files.push({ path: display(absolute), text: await readFile(absolute, 'utf8') });
    } catch (error) {
      unreadable.push(`cannot read ${display(absolute)}: ${describeIoError(error)}`);
    }
  };
  for (const path of paths) await visit(resolve(cwd, path), true);
  return { files, unreadable };
}

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
