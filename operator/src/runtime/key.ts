/**
 * Work queue keys for Kubernetes objects, in client-go's `MetaNamespaceKeyFunc` format:
 * `namespace/name`, or just `name` for cluster-scoped objects. Names and namespaces cannot
 * contain `/`, so the format is unambiguous.
 */

export interface ObjectRef {
  /** Absent or empty for cluster-scoped objects. */
  namespace?: string | undefined;
  name: string;
}

export function objectKey(ref: ObjectRef): string {
  return ref.namespace === undefined || ref.namespace === ''
    ? ref.name
    : `${ref.namespace}/${ref.name}`;
}

/** Inverse of `objectKey`. Throws on keys with more than one `/` or empty parts. */
export function parseObjectKey(key: string): ObjectRef {
  const parts = key.split('/');
  const [first, second] = parts;
  if (parts.length === 1 && first !== undefined && first !== '') return { name: first };
  if (
    parts.length === 2 &&
    first !== undefined &&
    first !== '' &&
    second !== undefined &&
    second !== ''
  ) {
    return { namespace: first, name: second };
  }
  throw new RangeError(`not an object key: ${JSON.stringify(key)}`);
}
