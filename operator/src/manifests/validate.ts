/** Validates a set of manifest files: parse, schema per object, then checks across objects. */

import { GROUP } from '../api/index.js';
import { checkAcrossObjects } from './cross-check.js';
import { parseManifestFile, type ManifestDocument, type SourceFile } from './parse.js';
import { compareProblems, type Problem } from './problem.js';
import { checkSchema } from './schema-check.js';

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

/** Pure: the same files always give the same report, problems in file/position order. */
export function validateManifests(files: readonly SourceFile[]): ValidationReport {
  return readAndValidate(files).report;
}

/** The report of {@link validateManifests}, and every object read (Ferry's and others) in file order. */
export function readAndValidate(files: readonly SourceFile[]): {
  report: ValidationReport;
  documents: ManifestDocument[];
} {
  const problems: Problem[] = [];
  const ferryObjects: ManifestDocument[] = [];
  const documents: ManifestDocument[] = [];
  let otherObjects = 0;
  for (const file of files) {
    const parsed = parseManifestFile(file);
    problems.push(...parsed.problems);
    documents.push(...parsed.documents);
    for (const document of parsed.documents) {
      if (!isFerryApiVersion(document.apiVersion)) {
        otherObjects += 1;
        continue;
      }
      const schemaProblems = checkSchema(document);
      problems.push(...schemaProblems);
      ferryObjects.push(document);
    }
  }
  problems.push(...checkAcrossObjects(ferryObjects));
  const report = {
    files: files.length,
    objects: ferryObjects.length,
    otherObjects,
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
