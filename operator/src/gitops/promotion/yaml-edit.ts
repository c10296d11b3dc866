/**
 * The one edit a promotion makes: `spec.modelVersion` of one document of a manifest file.
 *
 * Contract: the result differs from the input only in the bytes of that one scalar, which
 * keeps its quoting style; every comment, blank line, flow collection and other document
 * is left byte for byte. The yaml package's Document API finds the scalar and its source
 * range; the edit is a splice of that range, checked by parsing the result again.
 */

import { isScalar, parse, parseAllDocuments, Scalar, type Document } from 'yaml';

/** Which document of a file: its index, or the object it declares. */
export type DocumentLocator = number | { kind: string; name: string; namespace?: string };

export class ManifestEditError extends Error {
  override readonly name = 'ManifestEditError';
}

/** Whether a document declares the object `locator` names; a missing namespace on either side matches any. */
export function documentDeclares(
  document: Document.Parsed,
  locator: Exclude<DocumentLocator, number>,
): boolean {
  const value: unknown = document.toJS();
  if (typeof value !== 'object' || value === null) return false;
  const object = value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (object.kind !== locator.kind || object.metadata?.name !== locator.name) return false;
  // A document without a namespace is applied into whichever namespace the syncer targets.
  const declared = object.metadata.namespace;
  return (
    locator.namespace === undefined || declared === undefined || declared === locator.namespace
  );
}

function findDocument(
  documents: readonly Document.Parsed[],
  locator: DocumentLocator,
): Document.Parsed {
  if (typeof locator === 'number') {
    const document = documents[locator];
    if (document === undefined)
      throw new ManifestEditError(`the file has ${documents.length} documents, not ${locator + 1}`);
    return document;
  }
  const matching = documents.filter((document) => documentDeclares(document, locator));
  const [document] = matching;
  if (document === undefined || matching.length > 1)
    throw new ManifestEditError(
      `the file declares ${locator.kind}/${locator.name} ${matching.length} times, not once`,
    );
  return document;
}

/** `value` written in `style`, so that it reads back as the string `value`. */
function renderScalar(value: string, style: Scalar['type']): string {
  switch (style) {
    case Scalar.QUOTE_DOUBLE:
      return JSON.stringify(value);
    case Scalar.QUOTE_SINGLE:
      return `'${value.replaceAll("'", "''")}'`;
    case Scalar.PLAIN:
    case undefined:
      // A plain scalar that would read back as a number, boolean or null is quoted.
      return parse(value) === value ? value : JSON.stringify(value);
    default:
      throw new ManifestEditError(`spec.modelVersion is a ${style} scalar; edit it by hand`);
  }
}

/**
 * `text` with `spec.modelVersion` of the located document set to `newValue`. Throws a
 * ManifestEditError when the document is missing, ambiguous, has syntax errors, or has no
 * plain or quoted `spec.modelVersion`.
 */
export function setModelVersion(text: string, locator: DocumentLocator, newValue: string): string {
  const documents: readonly Document.Parsed[] = parseAllDocuments(text);
  const document = findDocument(documents, locator);
  const [firstError] = document.errors;
  if (firstError !== undefined) throw new ManifestEditError(firstError.message);
  const node = document.getIn(['spec', 'modelVersion'], true);
  if (!isScalar(node) || node.range === undefined || node.range === null)
    throw new ManifestEditError('the document has no spec.modelVersion scalar');
  if (node.value === newValue) return text;
  const [start, end] = node.range;
  const edited = text.slice(0, start) + renderScalar(newValue, node.type) + text.slice(end);
  const index = documents.indexOf(document);
  const reread: readonly Document.Parsed[] = parseAllDocuments(edited);
  if (reread[index]?.getIn(['spec', 'modelVersion']) !== newValue)
    throw new ManifestEditError('the edited file does not read back with the new version');
  return edited;
}
