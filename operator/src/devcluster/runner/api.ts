/**
 * The runner's only way to the API server: plain HTTP with the global `fetch`, JSON bodies,
 * no credentials (devcluster serves plain HTTP without authentication).
 */
import { isObject, numberAt, stringAt, type Json, type JsonObject } from './json.js';

/** Requests (other than watches) that take longer than this fail, so no pass hangs. */
export const REQUEST_TIMEOUT_MS = 30_000;

export const PODS = '/api/v1/pods';
export const DEPLOYMENTS = '/apis/apps/v1/deployments';
export const REPLICA_SETS = '/apis/apps/v1/replicasets';
export const JOBS = '/apis/batch/v1/jobs';
export const SERVICES = '/api/v1/services';
export const NODES = '/api/v1/nodes';

export function podPath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
}

export function podsPath(namespace: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
}

export function jobPath(namespace: string, name: string): string {
  return `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/jobs/${encodeURIComponent(name)}`;
}

export function servicePath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(name)}`;
}

export function deploymentPath(namespace: string, name: string): string {
  return `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(name)}`;
}

export function replicaSetsPath(namespace: string): string {
  return `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/replicasets`;
}

export function replicaSetPath(namespace: string, name: string): string {
  return `${replicaSetsPath(namespace)}/${encodeURIComponent(name)}`;
}

/** A response the server answered with a status ≥ 300, carrying its `Status` reason and message. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Requests against one API server. Every method rejects with ApiError on an error status,
 * and with the fetch error when the server cannot be reached or does not answer in time.
 */
export class ApiClient {
  private readonly server: string;

  constructor(server: string) {
    this.server = server.replace(/\/+$/, '');
  }

  url(path: string): string {
    return `${this.server}${path}`;
  }

  async create(path: string, object: JsonObject): Promise<JsonObject> {
    return this.request('POST', path, object);
  }

  /** A JSON merge patch (RFC 7386). */
  async mergePatchBetween(path: string, patch: JsonObject): Promise<JsonObject> {
    return this.request('PATCH', path, patch, 'application/merge-patch+json');
  }

  /**
   * Deletes only the object with `uid`, so a namesake created since is left alone;
   * `gracePeriodSeconds` 0 is how kubelet removes a pod whose processes have ended.
   */
  async delete(path: string, uid: string, gracePeriodSeconds?: number): Promise<JsonObject> {
    return this.request('DELETE', path, {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      preconditions: { uid },
      ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }),
    });
  }

  async get(path: string): Promise<JsonObject> {
    return this.request('GET', path);
  }

  private async request(
    method: string,
    path: string,
    body?: Json,
    contentType = 'application/json',
  ): Promise<JsonObject> {
    const response = await fetch(this.url(path), {
      method,
      headers: { accept: 'application/json', 'content-type': contentType },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed = text === '' ? {} : parseJson(text);
    if (response.status >= 300) throw apiError(response.status, parsed, text);
    if (!isObject(parsed))
      throw new ApiError(response.status, 'BadResponse', `${method} ${path}: not a JSON object`);
    return parsed;
  }
}

/** `text` parsed as JSON, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The ApiError for a `Status` body (or whatever else came back). */
export function apiError(status: number, body: unknown, text: string): ApiError {
  if (isObject(body)) {
    return new ApiError(
      numberAt(body, 'code') ?? status,
      stringAt(body, 'reason') ?? '',
      stringAt(body, 'message') ?? text,
    );
  }
  return new ApiError(status, '', text.slice(0, 500));
}

/** One line for a log: an ApiError's code, reason and message, or any error's message. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.code} ${error.reason}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
