import type { JsonObject } from './json.js';

/** One entry of a Status' `details.causes`. */
export interface Cause {
  reason: string;
  message: string;
  field: string;
}

/**
 * An API failure that becomes a `Status` body with the HTTP code and reason a real
 * kube-apiserver uses. Handlers throw it; the router turns it into the response.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: JsonObject,
  ) {
    super(message);
  }

  toStatus(): JsonObject {
    const status: JsonObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details !== undefined) status['details'] = this.details;
    return status;
  }
}

/** How a resource is named in messages: `pods`, `datasets.ml.ferry.dev`. */
export interface Named {
  group: string;
  resource: string;
  kind: string;
}

function qualified(type: Named): string {
  return type.group === '' ? type.resource : `${type.resource}.${type.group}`;
}

function qualifiedKind(type: Named): string {
  return type.group === '' ? type.kind : `${type.kind}.${type.group}`;
}

/**
 * A Status' `details` for one object: `group` is omitted for the core group, as
 * apimachinery's `omitempty` drops it.
 */
function detailsOf(type: Named, name: string, kind: string): JsonObject {
  return type.group === '' ? { name, kind } : { name, group: type.group, kind };
}

export function notFound(type: Named, name: string): ApiError {
  return new ApiError(
    404,
    'NotFound',
    `${qualified(type)} "${name}" not found`,
    detailsOf(type, name, type.resource),
  );
}

export function alreadyExists(type: Named, name: string): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualified(type)} "${name}" already exists`,
    detailsOf(type, name, type.resource),
  );
}

export function conflict(type: Named, name: string, why?: string): ApiError {
  const reason =
    why ??
    'the object has been modified; please apply your changes to the latest version and try again';
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(type)} "${name}": ${reason}`,
    detailsOf(type, name, type.resource),
  );
}

/** 422 Invalid: `Kind.group "name" is invalid: field: message, ...`. */
export function invalid(type: Named, name: string, causes: Cause[]): ApiError {
  const parts = causes.map((cause) => `${cause.field}: ${cause.message}`);
  const summary = parts.length === 1 ? (parts[0] ?? '') : `[${parts.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${qualifiedKind(type)} "${name}" is invalid: ${summary}`, {
    ...detailsOf(type, name, type.kind),
    causes: causes.map((cause) => ({ ...cause })),
  });
}

/**
 * 400 for a body that is not JSON or YAML at all, in apiserver's words
 * (`transformDecodeError`): the expected kind, the parser's error and the body's first
 * 30 bytes in hex.
 */
export class UndecodableBody extends ApiError {
  constructor(
    readonly detail: string,
    readonly summary: string,
  ) {
    super(400, 'BadRequest', `the body of the request could not be decoded: ${detail}`);
  }

  forKind(kind: string): ApiError {
    return badRequest(
      `the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: ${this.detail} (${this.summary})`,
    );
  }
}

/** `%x` of the first 30 bytes, with `...` when there are more (apiserver's summarizeData). */
export function summarizeBody(raw: Uint8Array): string {
  const hex = Buffer.from(raw.subarray(0, 30)).toString('hex');
  return raw.length > 30 ? `${hex}...` : hex;
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(message: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', message);
}

export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function forbidden(message: string): ApiError {
  return new ApiError(403, 'Forbidden', message);
}
