/** Parses request paths into what they address. */
import { badRequest } from '../core/errors.js';
import type { Registry } from '../registry/registry.js';

export type Route =
  | { kind: 'version' | 'health' | 'api' | 'apis' | 'openapi-index' | 'openapi-v2' }
  | { kind: 'openapi-document'; path: string }
  | { kind: 'group'; group: string }
  | { kind: 'resources'; group: string; version: string }
  | {
      kind: 'resource';
      group: string;
      version: string;
      resource: string;
      namespace: string | undefined;
      name: string | undefined;
      subresource: string | undefined;
    }
  | { kind: 'unknown' };

/** The route `pathname` names; a malformed percent-escape in it is 400 BadRequest. */
export function route(pathname: string, registry: Registry): Route {
  const segments = pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeSegment);
  const [first, second, third] = segments;
  if (first === 'version' && segments.length === 1) return { kind: 'version' };
  if ((first === 'healthz' || first === 'readyz' || first === 'livez') && segments.length <= 2)
    return { kind: 'health' };
  if (first === 'openapi') {
    if (second === 'v2' && segments.length === 2) return { kind: 'openapi-v2' };
    if (second === 'v3' && segments.length === 2) return { kind: 'openapi-index' };
    if (second === 'v3') return { kind: 'openapi-document', path: segments.slice(2).join('/') };
    return { kind: 'unknown' };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (first === 'api') {
    if (second === undefined) return { kind: 'api' };
    group = '';
    version = second;
    rest = segments.slice(2);
  } else if (first === 'apis') {
    if (second === undefined) return { kind: 'apis' };
    if (third === undefined) return { kind: 'group', group: second };
    group = second;
    version = third;
    rest = segments.slice(3);
  } else return { kind: 'unknown' };
  if (rest.length === 0) return { kind: 'resources', group, version };
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const candidate = rest[2] ?? '';
    const type = registry.find(group, version, candidate);
    if (type?.namespaced === true) {
      return {
        kind: 'resource',
        group,
        version,
        resource: candidate,
        namespace: rest[1],
        name: rest[3],
        subresource: rest[4],
      };
    }
  }
  return {
    kind: 'resource',
    group,
    version,
    resource: rest[0] ?? '',
    namespace: undefined,
    name: rest[1],
    subresource: rest[2],
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`invalid URL escape in path segment ${JSON.stringify(segment)}`);
  }
}
