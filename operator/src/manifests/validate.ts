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

/**
 * Pure: the same files always give the same report, problems in file/position order.
 * `problems` found before parsing (files that could not be read in full) join the report;
 * `maxFileSize` sets each file's token budget (see {@link parseManifestFile}).
 */
export function validateManifests(
  files: readonly SourceFile[],
  options: { readonly problems?: readonly Problem[]; readonly maxFileSize?: number } = {},
): ValidationReport {
  // Lists of problems, flattened once at the end: spreading a long list into push()
  // overflows the call stack.
  const found: (readonly Problem[])[] = [options.problems ?? []];
  const ferryObjects: ManifestDocument[] = [];
  let otherObjects = 0;
  for (const file of files) {
    const parsed = parseManifestFile(file, options.maxFileSize);
    found.push(parsed.problems);
    for (const document of parsed.documents) {
      if (!isFerryApiVersion(document.apiVersion)) {
        otherObjects += 1;
        continue;
      }
      found.push(checkSchema(document));
      ferryObjects.push(document);
    }
  }
  found.push(checkAcrossObjects(ferryObjects));
  return {
    files: files.length,
    objects: ferryObjects.length,
    otherObjects,
    problems: found.flat().sort(compareProblems),
  };
}

export function countBySeverity(problems: readonly Problem[]): {
  errors: number;
  warnings: number;
} {
  const errors = problems.filter((problem) => problem.severity === 'error').length;
  return { errors, warnings: problems.length - errors };
}
