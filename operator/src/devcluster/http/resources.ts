/** Dispatches requests on resource paths to the read, write, delete and watch handlers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, methodNotAllowed, UndecodableBody } from '../core/errors.js';
import { isObject, type Json, type JsonObject } from '../core/json.js';
import { duplicatesOf } from '../core/duplicates.js';
import { booleanParameter } from '../core/query.js';
import type { Cluster } from '../handlers/cluster.js';
import { deleteOptions, deleteReply, remove } from '../handlers/delete.js';
import { parseFieldValidation, type WriteOptions } from '../handlers/options.js';
import { getOne, list, render, renderingOf, selectionOf, selects } from '../handlers/read.js';
import { watch, type WatchOptions, type WatchSet } from '../handlers/watch.js';
import { patch, PATCH_TYPES } from '../handlers/patch.js';
import { isPods } from '../handlers/pod-rules.js';
import { bindPod, proxyPodLog } from '../handlers/pods.js';
import { checkKind, create, update } from '../handlers/write.js';
import { apiVersionOf, storageKey, type ResourceType, type ScalePaths } from '../registry/types.js';
import { toScale, writeScale } from '../handlers/scale.js';
import type { IncludeObject } from '../table/table.js';
import { mediaType, readBody } from './body.js';
import { sendJson, warningHeaders } from './respond.js';

export interface ResourceRoute {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

function notServed(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

function notAllowed(): ApiError {
  return methodNotAllowed('the server does not allow this method on the requested resource');
}

function includeOf(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function writeOptions(
  request: IncomingMessage,
  query: URLSearchParams,
  subresource: string,
  apply: boolean,
  body: Json | undefined,
): WriteOptions {
  const agent = request.headers['user-agent'] ?? 'unknown';
  const fallback = apply ? '' : (agent.split('/')[0] ?? 'unknown');
  return {
    dryRun: query.getAll('dryRun').includes('All'),
    fieldManager: query.get('fieldManager') ?? fallback,
    fieldValidation: parseFieldValidation(query.get('fieldValidation')),
    subresource,
    warnings: [],
    duplicates: duplicatesOf(body),
  };
}

export async function handleResource(
  cluster: Cluster,
  watches: WatchSet,
  watchOptions: Omit<WatchOptions, 'rendering' | 'include'>,
  target: ResourceRoute,
  request: IncomingMessage,
  response: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const { type, name } = target;
  const subresource = target.subresource ?? '';
  const scale = type.scale;
  if (subresource === 'scale' && scale !== undefined) {
    await handleScale(cluster, { ...target, type: { ...type, scale } }, request, response, query);
    return;
  }
  if (isPods(type) && name !== undefined && target.namespace !== undefined) {
    const pod = { type, namespace: target.namespace, name };
    if (subresource === 'log') {
      await proxyPodLog(cluster, pod, request, response, query);
      return;
    }
    if (subresource === 'binding') {
      if (request.method !== 'POST') throw notAllowed();
      sendJson(response, 201, bindPod(cluster, pod, (await readBody(request)) ?? null));
      return;
    }
  }
  if (subresource !== '' && !(subresource === 'status' && type.hasStatus)) throw notServed();
  if (type.review !== undefined && request.method !== 'POST') throw notAllowed();
  if (!type.namespaced && target.namespace !== undefined) throw notServed();
  const namespace = target.namespace ?? '';
  const method = request.method ?? 'GET';
  const rendering = renderingOf(request.headers.accept);
  const include = includeOf(query);
  const now = cluster.now();
  const sendWritten = (code: number, object: JsonObject, options: WriteOptions): void => {
    sendJson(
      response,
      code,
      render(type, object, 'object', now, include),
      warningHeaders(options.warnings),
    );
  };

  if (method === 'GET') {
    if (name === undefined) {
      if (booleanParameter(query, 'watch')) {
        watch(cluster, watches, type, target.namespace, query, response, {
          ...watchOptions,
          rendering,
          include,
        });
        return;
      }
      sendJson(response, 200, list(cluster, type, target.namespace, query, rendering, include));
      return;
    }
    sendJson(
      response,
      200,
      render(type, getOne(cluster, type, namespace, name), rendering, now, include),
    );
    return;
  }
  if (type.namespaced && target.namespace === undefined) throw notAllowed();
  const body = await readBody(request).catch((error: unknown) => {
    throw error instanceof UndecodableBody ? error.forKind(type.kind) : error;
  });
  if (method === 'POST') {
    if (name !== undefined) throw notAllowed();
    if (type.review !== undefined) {
      if (!isObject(body)) throw badRequest('the body of the request must be a JSON object');
      checkKind(type, body);
      sendJson(response, 201, {
        ...type.review(body),
        apiVersion: apiVersionOf(type),
        kind: type.kind,
      });
      return;
    }
    const options = writeOptions(request, query, '', false, body);
    sendWritten(201, create(cluster, type, namespace, body ?? null, options).object, options);
    return;
  }
  if (name === undefined && method === 'DELETE') {
    sendJson(response, 200, deleteCollection(cluster, type, target.namespace, query, body));
    return;
  }
  if (name === undefined) throw notAllowed();
  const where = { type, namespace, name };
  if (method === 'PUT') {
    const options = writeOptions(request, query, subresource, false, body);
    sendWritten(200, update(cluster, where, body ?? null, options).object, options);
    return;
  }
  if (method === 'PATCH') {
    const contentType = mediaType(request);
    const options = {
      ...writeOptions(request, query, subresource, contentType === PATCH_TYPES.apply, body),
      force: booleanParameter(query, 'force'),
    };
    const result = patch(cluster, where, contentType, body ?? null, options);
    sendWritten(result.created ? 201 : 200, result.object, options);
    return;
  }
  if (method === 'DELETE') {
    const gone = remove(cluster, where, deleteOptions(body, query));
    const reply = deleteReply(type, gone);
    sendJson(response, 200, reply === gone ? render(type, gone, 'object', now, include) : reply);
    return;
  }
  throw notAllowed();
}

function deleteCollection(
  cluster: Cluster,
  type: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
  body: Json | undefined,
): JsonObject {
  const selection = selectionOf(type, query);
  const options = deleteOptions(body, query);
  const victims = cluster.store
    .list(storageKey(type), type.namespaced ? namespace : undefined)
    .filter((object) => selects(selection, object));
  const items = victims.map((object) => {
    const metadata = object['metadata'] as JsonObject;
    return remove(
      cluster,
      {
        type,
        namespace: typeof metadata['namespace'] === 'string' ? metadata['namespace'] : '',
        name: typeof metadata['name'] === 'string' ? metadata['name'] : '',
      },
      options,
    );
  });
  return {
    kind: type.listKind,
    apiVersion: apiVersionOf(type),
    metadata: {},
    items,
  };
}

async function handleScale(
  cluster: Cluster,
  target: ResourceRoute & { type: ResourceType & { scale: ScalePaths } },
  request: IncomingMessage,
  response: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const name = target.name;
  if (name === undefined) throw notServed();
  const namespace = target.namespace ?? '';
  const method = request.method ?? 'GET';
  if (method === 'GET') {
    sendJson(
      response,
      200,
      toScale(target.type.scale, getOne(cluster, target.type, namespace, name)),
    );
    return;
  }
  if (method !== 'PUT' && method !== 'PATCH') throw notAllowed();
  const body = await readBody(request);
  const options = writeOptions(request, query, 'scale', false, body);
  const scale = writeScale(
    cluster,
    { type: target.type, namespace, name },
    method,
    mediaType(request),
    body ?? null,
    options,
  );
  sendJson(response, 200, scale);
}
