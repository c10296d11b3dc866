/** Renders a validation report as text, JSON, or GitHub Actions workflow commands. */

import type { Problem } from './problem.js';
import { countBySeverity, type ValidationReport } from './validate.js';

export const ReportFormats = ['text', 'json', 'github'] as const;
export type ReportFormat = (typeof ReportFormats)[number];

function objectLabel(problem: Problem): string {
  return problem.object === undefined ? '-' : `${problem.object.kind}/${problem.object.name}`;
}

/** `path:line:col  Kind/name  .spec.field  message`, one problem a line. */
export function formatText(report: ValidationReport): string {
  const lines = report.problems.map((problem) => {
    const message =
      problem.severity === 'warning' ? `warning: ${problem.message}` : problem.message;
    return `${problem.file}:${problem.line}:${problem.column}  ${objectLabel(problem)}  ${problem.field ?? '-'}  ${message}`;
  });
  return lines.map((line) => `${line}\n`).join('');
}

export function formatSummary(report: ValidationReport): string {
  const { errors, warnings } = countBySeverity(report.problems);
  const others =
    report.otherObjects === 0 ? '' : ` (+${report.otherObjects} of other kinds, not checked)`;
  return `${plural(report.files, 'file')}, ${plural(report.objects, 'Ferry object')}${others}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`;
}

export function formatJson(report: ValidationReport): string {
  const { errors, warnings } = countBySeverity(report.problems);
  return `${JSON.stringify(
    {
      valid: errors === 0,
      files: report.files,
      objects: report.objects,
      otherObjects: report.otherObjects,
      errors,
      warnings,
      problems: report.problems,
    },
    null,
    2,
  )}\n`;
}

/** GitHub Actions `::error file=…,line=…,col=…,title=…::message` annotations. */
export function formatGithub(report: ValidationReport): string {
  return report.problems
    .map((problem) => {
      const title = [objectLabel(problem), problem.field]
        .filter((part) => part !== undefined && part !== '-')
        .join(' ');
      const properties = [
        `file=${escapeProperty(problem.file)}`,
        `line=${problem.line}`,
        `col=${problem.column}`,
        ...(title === '' ? [] : [`title=${escapeProperty(title)}`]),
      ].join(',');
      return `::${problem.severity} ${properties}::${escapeData(problem.message)}\n`;
    })
    .join('');
}

// Escaping as GitHub's runner (actions/toolkit `command.ts`) defines it for workflow commands.
function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
