/**
 * An opt-in audit log: one JSON line per request, with the attributes kube-apiserver's
 * RBAC authorizer decides on (verb, API group, resource, subresource, namespace, name),
 * the response code, and who asked. What a client needs permission for can then be read
 * from what it did.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from './route.js';

/** One request, as the audit log records it. */
export interface AuditRecord {
  /** RBAC's verb: get, list, watch, create, update, patch, delete, deletecollection. */
  verb: string;
  /** `''` for the core group; absent for a non-resource URL. */
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** A path outside resources (`/apis`, `/version`, `/openapi/v3`). */
  nonResourceURL?: string;
  code: number;
  /**
   * `token:<first 12 hex of the bearer token's sha256>` (every token is accepted here, so
   * the token is the identity), or `anonymous`. The token itself is never written.
   */
  user: string;
  userAgent: string;
}

/** Who sent `request`, in the audit log's terms. */
export function auditUser(request: IncomingMessage): string {
  const header = request.headers.authorization ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (token === undefined) return 'anonymous';
  return `token:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
}

/** RBAC's verb for a method on a route, as kube-apiserver's RequestInfo resolver names it. */
function verbOf(
  method: string,
  route: Route & { kind: 'resource' },
  query: URLSearchParams,
): string {
  const collection = route.name === undefined;
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (query.get('watch') === 'true' || query.get('watch') === '1') return 'watch';
      return collection ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return collection ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

function recordOf(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  route: Route,
): AuditRecord {
  const method = request.method ?? 'GET';
  const who = { user: auditUser(request), userAgent: request.headers['user-agent'] ?? '' };
  if (route.kind !== 'resource') {
    return {
      verb: method.toLowerCase(),
      nonResourceURL: url.pathname,
      code: response.statusCode,
      ...who,
    };
  }
  return {
    verb: verbOf(method, route, url.searchParams),
    group: route.group,
    resource: route.resource,
    ...(route.subresource === undefined ? {} : { subresource: route.subresource }),
    ...(route.namespace === undefined ? {} : { namespace: route.namespace }),
    ...(route.name === undefined ? {} : { name: route.name }),
    code: response.statusCode,
    ...who,
  };
}

/** Appends records to a file; a request is recorded when its response closes. */
export class AuditLog {
  private readonly stream: WriteStream;
  private closed = false;

  constructor(path: string) {
    this.stream = createWriteStream(path, { flags: 'a' });
  }

  /** Records `request` once its response has closed (a watch when it ends). */
  observe(request: IncomingMessage, response: ServerResponse, url: URL, route: Route): void {
    response.once('close', () => {
      if (this.closed) return;
      this.stream.write(`${JSON.stringify(recordOf(request, response, url, route))}\n`);
    });
  }

  /** Flushes what was recorded and stops recording. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }
}
