/**
 * Checks that need the whole set of manifests at once: duplicate objects, references
 * between kinds, and names that become names of other Kubernetes objects.
 */

import { DNS1123_LABEL, DNS1123_SUBDOMAIN, kindByName, type Reference } from '../api/index.js';
import type { ManifestDocument } from './parse.js';
import { valueAt, type Problem } from './problem.js';
import { problemAt } from './schema-check.js';

/** kubectl puts objects without a namespace into the context's namespace; compare them as one. */
const UNSET_NAMESPACE = '';

function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? UNSET_NAMESPACE}/${name}`;
}

/**
 * Some Ferry objects lend their names to objects Ferry creates, which must be RFC 1123
 * labels: an InferenceService becomes `<name>-canary` Deployments and a `<name>` Service;
 * a TrainingJob's runs become `<name>-<run>` Jobs, whose names are copied into a pod label.
 */
const NAME_LIMITS: Record<string, { maxLength: number; why: string }> = {
  InferenceService: { maxLength: 56, why: 'it names the <name>-canary Deployment and the Service' },
  TrainingJob: {
    maxLength: 56,
    why: 'it names the <name>-<run> batch/v1 Jobs of its runs and their pod label',
  },
};
const DNS1123_LABEL_RE = new RegExp(DNS1123_LABEL);
const DNS1123_SUBDOMAIN_RE = new RegExp(DNS1123_SUBDOMAIN);

export function checkAcrossObjects(documents: readonly ManifestDocument[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, ManifestDocument>();
  for (const document of documents) {
    const { kind, name, namespace } = document.identity;
    const key = objectKey(kind, namespace, name);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, document);
    } else {
      const at = first.locate(['metadata', 'name']);
      problems.push(
        problemAt(
          document,
          ['metadata', 'name'],
          'value',
          `Duplicate value: ${kind} "${name}" is already defined at ${first.file}:${at.line}:${at.column}`,
        ),
      );
    }
    const limit = NAME_LIMITS[kind];
    // A name that is not even a subdomain is already reported by the schema check.
    const subdomain = DNS1123_SUBDOMAIN_RE.test(name);
    if (
      limit !== undefined &&
      subdomain &&
      (!DNS1123_LABEL_RE.test(name) || name.length > limit.maxLength)
    ) {
      problems.push(
        problemAt(
          document,
          ['metadata', 'name'],
          'value',
          `Invalid value: "${name}": a ${kind} name must be an RFC 1123 label of at most ${limit.maxLength} characters (lower case letters, digits and '-'), because ${limit.why}`,
        ),
      );
    }
  }

  for (const document of documents) {
    const definition = kindByName(document.identity.kind);
    for (const reference of definition?.references ?? []) {
      const name = valueAt(document.value, reference.path);
      // Absent optional field, or a name the schema check already reports as invalid.
      if (typeof name !== 'string' || !DNS1123_SUBDOMAIN_RE.test(name)) continue;
      const target = objectKey(reference.targetKind, document.identity.namespace, name);
      if (!seen.has(target)) problems.push(danglingReference(document, reference, name));
    }
  }
  return problems;
}

function danglingReference(
  document: ManifestDocument,
  reference: Reference,
  name: string,
): Problem {
  const where =
    document.identity.namespace === undefined
      ? ''
      : ` in namespace "${document.identity.namespace}"`;
  if (reference.expectedIn === 'cluster') {
    return problemAt(
      document,
      reference.path,
      'value',
      `${reference.targetKind} "${name}" is not in these manifests${where}; it must exist in the cluster`,
      reference.path,
      'warning',
    );
  }
  return problemAt(
    document,
    reference.path,
    'value',
    `Not found: ${reference.targetKind} "${name}"${where} is not defined in these manifests`,
  );
}
