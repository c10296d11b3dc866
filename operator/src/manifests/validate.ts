/**
 * Validates a set of manifest files: parse, schema per object (then the values a schema
 * cannot check), then checks across objects.
 */

import { GROUP } from '../api/index.js';
import { checkAcrossObjects } from './cross-check.js';
import { parseManifestFile, type ManifestDocument, type SourceFile } from './parse.js';
import { compareProblems, type Problem } from './problem.js';
import { checkSchema } from './schema-check.js';
import { checkValues } from './value-check.js';

export interface ValidationReport {
  files: number;
  /** Ferry objects checked. */
  objects: number;
  /** Objects of other kinds, passed through unchecked. */
  otherObjects: number;
  problems: Problem[];
}

export function isFerryApiVersion(apiVersion: string): boolean {
  return apiVersion === GROUP || apiVersion.startsWith(`${GROUP}/`);
}

/**
 * Pure: the same files always give the same report, problems in file/position order.
 * `problems` found before parsing (files that could not be read in full) join the report;
 * `maxFileSize` sets each file's token budget (see {@link parseManifestFile}).
 */
export function validateManifests(
  files: readonly SourceFile[],
  options: { readonly problems?: readonly Problem[]; readonly maxFileSize?: number } = {},
): ValidationReport {
  const checked = files.map((file) => checkFile(file, options.maxFileSize));
  return validateCheckedFiles(checked, options.problems).report;
}

/** One file parsed, and each of its Ferry objects checked against its schema and values. */
export interface CheckedFile {
  /** Every object of the file, Ferry's and others, in document order. */
  documents: ManifestDocument[];
  ferryObjects: ManifestDocument[];
  /** Syntax and schema problems. */
  problems: Problem[];
}

/** Pure: the checks of {@link validateManifests} that need only the file itself. */
export function checkFile(file: SourceFile, maxFileSize?: number): CheckedFile {
  const parsed = parseManifestFile(file, maxFileSize);
  // Lists of problems, flattened once: spreading a long list into push() overflows the stack.
  const found: (readonly Problem[])[] = [parsed.problems];
  const ferryObjects: ManifestDocument[] = [];
  for (const document of parsed.documents) {
    if (!isFerryApiVersion(document.apiVersion)) continue;
    const schemaProblems = checkSchema(document);
    found.push(schemaProblems.length === 0 ? checkValues(document) : schemaProblems);
    ferryObjects.push(document);
  }
  return { documents: parsed.documents, ferryObjects, problems: found.flat() };
}

/**
 * The report of {@link validateManifests} from files checked one by one (so a caller may
 * keep the checks of files that did not change), and every object read, in file order.
 */
export function validateCheckedFiles(
  files: readonly CheckedFile[],
  earlier: readonly Problem[] = [],
): {
  report: ValidationReport;
  documents: ManifestDocument[];
} {
  const ferryObjects = files.flatMap((file) => file.ferryObjects);
  const documents = files.flatMap((file) => file.documents);
  const problems = [
    earlier,
    ...files.map((file) => file.problems),
    checkAcrossObjects(ferryObjects),
  ].flat();
  const report = {
    files: files.length,
    objects: ferryObjects.length,
    otherObjects: documents.length - ferryObjects.length,
    problems: problems.sort(compareProblems),
  };
  return { report, documents };
}

export function countBySeverity(problems: readonly Problem[]): {
  errors: number;
  warnings: number;
} {
  const errors = problems.filter((problem) => problem.severity === 'error').length;
  return { errors, warnings: problems.length - errors };
}
