/**
 * The operator's only door to the API server: a small, typed facade over
 * `@kubernetes/client-node` that addresses objects by `Resource`, never by Ferry kind.
 *
 * Writes are either server-side apply (with a field manager) or carry the
 * resourceVersion they were computed from, so a stale write fails with 409 instead of
 * overwriting someone else's change.
 */

/* eslint-disable @typescript-eslint/no-unnecessary-type-parameters --
   reads are typed by the caller, as client-node's own generic reads are. */
import {
  ApiException,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubeConfig,
  type KubernetesObject,
  type V1APIResource,
} from '@kubernetes/client-node';
import { apiVersionOf, collectionPath, type Resource } from './resource.js';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchOptions extends ListOptions {
  resourceVersion: string;
  timeoutSeconds?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

/**
 * A failed API call, as the operator reports it: what was attempted on which object, the
 * HTTP status, the Status `reason` (`Invalid`, `Forbidden`, `NotFound`, …) and the API
 * server's own message. Its `message` never carries response headers or credentials.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    /** What was attempted, such as `apply Deployment default/iris-stable`. */
    readonly action: string,
    /** HTTP status; undefined for network failures. */
    readonly code: number | undefined,
    /** The Status body's CamelCase reason, or one derived from the code. */
    readonly reason: string,
    /** The API server's words, or the network error's message. */
    readonly apiMessage: string,
    /** The object the call addressed; undefined for collection calls. */
    readonly target: ObjectTarget | undefined,
    options?: { cause?: unknown },
  ) {
    super(`${action}: ${apiMessage}`, options);
  }
}

/** The Status reasons of apimachinery's `metav1.StatusReason`, by HTTP status. */
const REASON_BY_CODE: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The HTTP status of a failed API call, or undefined for network errors. */
export function apiStatusCode(error: unknown): number | undefined {
  if (error instanceof ApiError) return error.code;
  if (error instanceof ApiException) return error.code;
  if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const code = error.statusCode;
    return typeof code === 'number' ? code : undefined;
  }
  return undefined;
}

export function isNotFound(error: unknown): boolean {
  return apiStatusCode(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return apiStatusCode(error) === 409;
}

/** The Status `reason` and `message` of a failed call, without the headers client-node adds. */
function statusOf(error: unknown): { code: number | undefined; reason: string; message: string } {
  if (error instanceof ApiError)
    return { code: error.code, reason: error.reason, message: error.apiMessage };
  if (error instanceof ApiException) {
    const code = error.code;
    const body: unknown = error.body;
    const fallback = REASON_BY_CODE[code] ?? 'Unknown';
    try {
      const parsed: unknown = typeof body === 'string' ? JSON.parse(body) : body;
      if (typeof parsed === 'object' && parsed !== null) {
        const status = parsed as { reason?: unknown; message?: unknown };
        return {
          code,
          reason:
            typeof status.reason === 'string' && status.reason !== '' ? status.reason : fallback,
          message: typeof status.message === 'string' ? status.message : `HTTP ${code}`,
        };
      }
    } catch {
      // not a Status body
    }
    return { code, reason: fallback, message: `HTTP ${code}` };
  }
  return {
    code: apiStatusCode(error),
    reason: 'ConnectionFailed',
    message: error instanceof Error ? error.message : String(error),
  };
}

/** The Status message of a failed API call, without the response headers client-node adds. */
export function apiErrorMessage(error: unknown): string {
  const { code, message } = statusOf(error);
  return code === undefined ? message : `${code}: ${message}`;
}

/**
 * client-node turns some responses into model class instances with `Date` fields, and
 * leaves others (lists of custom resources, watch events) as JSON. Every object the
 * client returns goes through this, so callers always see the wire format: plain objects
 * and RFC 3339 strings (whole seconds when the server sent whole seconds).
 */
export function toWire<T>(value: T): T {
  if (value instanceof Date) {
    return value.toISOString().replace('.000Z', 'Z') as T;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => toWire(item)) as T;
  if (typeof value === 'object' && value !== null) {
    const plain: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      if (field !== undefined) plain[key] = toWire(field);
    }
    return plain as T;
  }
  return value;
}

/**
 * Anything with an object's envelope: client-node's model classes, or Ferry's own types,
 * which describe timestamps as the strings they are on the wire.
 */
export interface ObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
}

function targetOf(object: ObjectLike): ObjectTarget {
  return {
    kind: object.kind,
    namespace: object.metadata?.namespace,
    name: object.metadata?.name ?? '',
  };
}

interface ObjectRef {
  resource: Resource;
  namespace: string | undefined;
  name: string;
}

interface ObjectHeader {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** client-node's object API, with its discovery (cached per API version) made callable. */
class DiscoveringObjectApi extends KubernetesObjectApi {
  static forConfig(kubeConfig: KubeConfig): DiscoveringObjectApi {
    const api = kubeConfig.makeApiClient(DiscoveringObjectApi);
    api.setDefaultNamespace(kubeConfig);
    return api;
  }

  namespaceOfUnset(): string {
    return this.defaultNamespace;
  }

  discover(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    return this.resource(apiVersion, kind);
  }
}

function header(ref: ObjectRef): ObjectHeader {
  return {
    apiVersion: apiVersionOf(ref.resource),
    kind: ref.resource.kind,
    metadata: {
      name: ref.name,
      ...(ref.resource.namespaced && ref.namespace !== undefined
        ? { namespace: ref.namespace }
        : {}),
    },
  };
}

/** The object an API call addressed. */
export interface ObjectTarget {
  kind: string | undefined;
  namespace: string | undefined;
  name: string;
}

/** `Deployment default/iris-stable`, `Namespace ml`: how an action names its object. */
function describeTarget({ kind, namespace, name }: ObjectTarget): string {
  return `${kind ?? 'object'} ${namespace === undefined ? name : `${namespace}/${name}`}`;
}

/**
 * Runs one API call; a failure is rethrown as an `ApiError` that names `action`, so every
 * error a controller sees says what it tried, on which object, and what the server said.
 */
async function attempt<T>(
  verb: string,
  target: ObjectTarget | string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const status = statusOf(error);
    const object = typeof target === 'string' ? undefined : target;
    const action = `${verb} ${typeof target === 'string' ? target : describeTarget(target)}`;
    throw new ApiError(action, status.code, status.reason, status.message, object, {
      cause: error,
    });
  }
}

export class KubeClient {
  private readonly objects: DiscoveringObjectApi;
  private readonly customObjects: CustomObjectsApi;
  private readonly watcher: Watch;

  constructor(readonly kubeConfig: KubeConfig) {
    this.objects = DiscoveringObjectApi.forConfig(kubeConfig);
    this.customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
    this.watcher = new Watch(kubeConfig);
  }

  async list<T extends ObjectLike>(
    resource: Resource,
    options: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const namespace = resource.namespaced ? options.namespace : undefined;
    const list = await attempt('list', resource.plural, () =>
      this.objects.list(
        apiVersionOf(resource),
        resource.kind,
        namespace,
        undefined,
        undefined,
        undefined,
        options.fieldSelector,
        options.labelSelector,
      ),
    );
    // Items of a list carry no apiVersion/kind on the wire; restore them.
    const items = list.items.map(
      (item) => ({ ...toWire(item), apiVersion: apiVersionOf(resource), kind: resource.kind }) as T,
    );
    return { items, resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  /**
   * The resource that serves `kind` in `apiVersion`, from the API server's discovery, or
   * undefined when the server does not serve it.
   */
  async discover(apiVersion: string, kind: string): Promise<Resource | undefined> {
    let found: V1APIResource | undefined;
    try {
      found = await this.objects.discover(apiVersion, kind);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    if (found === undefined) return undefined;
    const slash = apiVersion.indexOf('/');
    return {
      group: slash === -1 ? '' : apiVersion.slice(0, slash),
      version: apiVersion.slice(slash + 1),
      kind,
      plural: found.name,
      namespaced: found.namespaced,
    };
  }

  /** The namespace objects without one are written to: the kubeconfig context's, else `default`. */
  get defaultNamespace(): string {
    return this.objects.namespaceOfUnset();
  }

  /** The object, or undefined when it does not exist. */
  async get<T extends ObjectLike>(
    resource: Resource,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    try {
      const object: KubernetesObject = await attempt(
        'get',
        { kind: resource.kind, namespace, name },
        () => this.objects.read(header({ resource, namespace, name })),
      );
      return toWire(object) as T;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async create<T extends ObjectLike>(object: T, fieldManager: string): Promise<T> {
    const body = object as KubernetesObject;
    const created = await attempt('create', targetOf(object), () =>
      this.objects.create(body, undefined, undefined, fieldManager),
    );
    return toWire(created as T);
  }

  /**
   * JSON merge patch. Put `metadata.resourceVersion` in `patch` to make it conditional
   * (409 when the object changed since).
   */
  async mergePatch(
    resource: Resource,
    namespace: string | undefined,
    name: string,
    patch: Record<string, unknown>,
    fieldManager: string,
  ): Promise<KubernetesObject> {
    const base = header({ resource, namespace, name });
    const patchMetadata = (patch.metadata ?? {}) as Record<string, unknown>;
    const body: KubernetesObject = {
      ...patch,
      ...base,
      metadata: { ...patchMetadata, ...base.metadata },
    };
    const patched = await attempt('patch', { kind: resource.kind, namespace, name }, () =>
      this.objects.patch(
        body,
        undefined,
        undefined,
        fieldManager,
        undefined,
        PatchStrategy.MergePatch,
      ),
    );
    return toWire(patched);
  }

  /**
   * Replaces the object (PUT). `object.metadata.resourceVersion` makes it conditional: 409
   * when the object changed since it was read.
   */
  async replace<T extends ObjectLike>(object: T, fieldManager: string): Promise<T> {
    const body = object as KubernetesObject;
    const replaced = await attempt('replace', targetOf(object), () =>
      this.objects.replace(body, undefined, undefined, fieldManager),
    );
    return toWire(replaced as T);
  }

  /** Server-side apply of the fields in `object`, owned by `fieldManager`. */
  async apply<T extends ObjectLike>(object: T, fieldManager: string, force = true): Promise<T> {
    const applied = await attempt('apply', targetOf(object), () =>
      this.objects.patch(
        object,
        undefined,
        undefined,
        fieldManager,
        force,
        PatchStrategy.ServerSideApply,
      ),
    );
    return toWire(applied);
  }

  /**
   * Server-side apply of `status` on the status subresource of a custom resource: fields
   * `fieldManager` set before and leaves out now are removed.
   */
  async applyStatus<T extends KubernetesObject>(
    resource: Resource,
    namespace: string,
    name: string,
    status: unknown,
    fieldManager: string,
  ): Promise<T> {
    const body = { ...header({ resource, namespace, name }), status };
    const result: unknown = await attempt(
      'write the status of',
      { kind: resource.kind, namespace, name },
      () =>
        this.customObjects.patchNamespacedCustomObjectStatus(
          {
            group: resource.group,
            version: resource.version,
            namespace,
            plural: resource.plural,
            name,
            body,
            fieldManager,
            force: true,
          },
          setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
        ),
    );
    return toWire(result) as T;
  }

  /** Deletes the object; a missing object is not an error. Returns whether it existed. */
  async delete(
    resource: Resource,
    namespace: string | undefined,
    name: string,
    propagationPolicy: 'Background' | 'Foreground' | 'Orphan' = 'Background',
  ): Promise<boolean> {
    try {
      await attempt('delete', { kind: resource.kind, namespace, name }, () =>
        this.objects.delete(
          header({ resource, namespace, name }),
          undefined,
          undefined,
          undefined,
          undefined,
          propagationPolicy,
        ),
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /**
   * Opens a watch. `onEvent` receives each event; `onDone` is called once when the watch
   * ends for any reason (`undefined` for a clean close by the server). Returns a function
   * that closes the watch.
   */
  async watch<T extends KubernetesObject>(
    resource: Resource,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
    onDone: (error: unknown) => void,
  ): Promise<() => void> {
    const path = collectionPath(resource, resource.namespaced ? options.namespace : undefined);
    const controller = await this.watcher.watch(
      path,
      {
        resourceVersion: options.resourceVersion,
        allowWatchBookmarks: true,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        timeoutSeconds: options.timeoutSeconds,
      },
      (type: string, object: T) => {
        onEvent({ type: type as WatchEventType, object });
      },
      (error: unknown) => {
        onDone(error ?? undefined);
      },
    );
    return () => {
      controller.abort();
    };
  }
}
