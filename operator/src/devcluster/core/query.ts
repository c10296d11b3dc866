/**
 * Query parameters as apimachinery's parameter codec reads them into option structs.
 * A boolean parameter is true when present with any value except `false` or `0` (case
 * insensitive), including an empty one (`?watch=`); absent, it is false. This is what
 * lets the Python client's `?watch=True` start a watch.
 */
export function booleanParameter(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null) return false;
  const lower = value.toLowerCase();
  return lower !== 'false' && lower !== '0';
}
