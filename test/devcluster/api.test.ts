/** The API surface over plain HTTP: status codes and bodies, semantics kubectl relies on. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CRDS, eventually, startHarness, type Harness } from './helpers.js';

let h: Harness;

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

interface WatchEvent {
  type: string;
  object: unknown;
}

/** The value at a path of property names and indices, or undefined. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const step of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

/** `metadata.name` of each item of a list body. */
function names(body: unknown): unknown[] {
  const items = at(body, 'items');
  return Array.isArray(items) ? items.map((item) => at(item, 'metadata', 'name')) : [];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function api(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  accept = 'application/json',
): Promise<Reply> {
  const init: RequestInit = { method, headers: { 'Content-Type': contentType, Accept: accept } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(`${h.cluster.url}${path}`, init);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? {} : (JSON.parse(text) as Reply['body']),
  };
}

const DSETS = '/apis/ml.ferry.dev/v1alpha1/namespaces/default/datasets';

function dataset(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'Dataset',
    metadata: { name, labels: { app: 'iris' } },
    spec: { source: { uri: 'file:///data/iris.csv' }, ...extra },
  };
}

/** Reads a watch stream until `count` events arrived or it ends. */
async function watchEvents(
  path: string,
  count: number,
  timeoutMs = 5000,
  accept = 'application/json',
): Promise<WatchEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort();
  }, timeoutMs);
  const events: WatchEvent[] = [];
  try {
    const response = await fetch(`${h.cluster.url}${path}`, {
      signal: controller.signal,
      headers: { Accept: accept },
    });
    const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
    let buffer = '';
    while (reader !== undefined && events.length < count) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += Buffer.from(value).toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        events.push(JSON.parse(buffer.slice(0, newline)) as WatchEvent);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

beforeAll(async () => {
  h = await startHarness({ bookmarkMs: 100 });
  const crd = parse(await readFile(join(CRDS, 'ml.ferry.dev_datasets.yaml'), 'utf8')) as unknown;
  expect(
    (await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status,
  ).toBe(201);
});
afterAll(async () => h.stop());

describe('discovery and OpenAPI', () => {
  it('serves /version, aggregated and legacy discovery', async () => {
    expect((await api('GET', '/version')).body).toMatchObject({ major: '1', minor: '32' });
    const aggregated = await api(
      'GET',
      '/apis',
      undefined,
      'application/json',
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    );
    expect(aggregated.headers.get('content-type')).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    const ferry = (
      at(aggregated.body, 'items') as {
        metadata: { name: string };
        versions: {
          resources: { resource: string; shortNames?: string[]; categories?: string[] }[];
        }[];
      }[]
    ).find((item) => item.metadata.name === 'ml.ferry.dev');
    expect(ferry?.versions[0]?.resources[0]).toMatchObject({
      resource: 'datasets',
      shortNames: ['dset'],
      categories: ['ferry'],
    });
    const legacy = await api('GET', '/apis/ml.ferry.dev/v1alpha1');
    expect(legacy.body).toMatchObject({
      kind: 'APIResourceList',
      groupVersion: 'ml.ferry.dev/v1alpha1',
    });
    expect(
      (at(legacy.body, 'resources') as { name: string }[]).map((resource) => resource.name),
    ).toEqual(['datasets', 'datasets/status']);
    expect((await api('GET', '/api')).body).toMatchObject({
      kind: 'APIVersions',
      versions: ['v1'],
    });
  });

  it('serves OpenAPI v3 documents with patch operations, GVK and the CRD schema', async () => {
    const index = await api('GET', '/openapi/v3');
    const entry = (at(index.body, 'paths') as Record<string, { serverRelativeURL: string }>)[
      'apis/ml.ferry.dev/v1alpha1'
    ];
    expect(entry?.serverRelativeURL).toMatch(
      /^\/openapi\/v3\/apis\/ml.ferry.dev\/v1alpha1\?hash=[0-9A-F]+$/,
    );
    const document = await api('GET', entry?.serverRelativeURL ?? '');
    const patchOp = at(
      document.body,
      'paths',
      '/apis/ml.ferry.dev/v1alpha1/namespaces/{namespace}/datasets/{name}',
      'patch',
    );
    expect(at(patchOp, 'x-kubernetes-group-version-kind')).toEqual({
      group: 'ml.ferry.dev',
      version: 'v1alpha1',
      kind: 'Dataset',
    });
    const parameters = at(patchOp, 'parameters');
    expect(Array.isArray(parameters) ? parameters.map((p) => at(p, 'name')) : []).toContain(
      'fieldValidation',
    );
    const schema = at(document.body, 'components', 'schemas', 'dev.ferry.ml.v1alpha1.Dataset');
    expect(
      at(schema, 'properties', 'spec', 'properties', 'source', 'properties', 'uri', 'type'),
    ).toBe('string');
  });
});

describe('status codes and bodies', () => {
  it('201 on create, 409 AlreadyExists, 404 NotFound with details', async () => {
    const created = await api('POST', DSETS, dataset('codes'));
    expect(created.status).toBe(201);
    expect(at(created.body, 'metadata')).toMatchObject({
      name: 'codes',
      namespace: 'default',
      generation: 1,
    });
    const again = await api('POST', DSETS, dataset('codes'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
      message: 'datasets.ml.ferry.dev "codes" already exists',
    });
    const missing = await api('GET', `${DSETS}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      reason: 'NotFound',
      details: { name: 'nope', group: 'ml.ferry.dev', kind: 'datasets' },
    });
  });

  it('422 Invalid with causes, 400 for strict unknown fields and bad bodies, Warning under Warn', async () => {
    const invalid = await api('POST', DSETS, { ...dataset('bad'), spec: { source: { uri: 5 } } });
    expect(invalid.status).toBe(422);
    expect(at(invalid.body, 'reason')).toBe('Invalid');
    expect(at(invalid.body, 'details', 'causes')).toEqual([
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "5": spec.source.uri in body must be of type string: "integer"',
        field: 'spec.source.uri',
      },
    ]);
    const strict = await api(
      'POST',
      `${DSETS}?fieldValidation=Strict`,
      dataset('strict', { colour: 'blue' }),
    );
    expect(strict.status).toBe(400);
    expect(at(strict.body, 'message')).toBe('strict decoding error: unknown field "spec.colour"');
    const warn = await api('POST', DSETS, dataset('warned', { colour: 'blue' }));
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toBe('299 - "unknown field \\"spec.colour\\""');
    expect(at(warn.body, 'spec', 'colour')).toBeUndefined();
    expect((await api('POST', DSETS, '{not json')).status).toBe(400);
    const wrongKind = await api('POST', DSETS, { ...dataset('x'), kind: 'ModelVersion' });
    expect(wrongKind.status).toBe(400);
  });

  it('415 for strategic merge on a custom resource; 404 for a missing namespace', async () => {
    const strategic = await api(
      'PATCH',
      `${DSETS}/codes`,
      { spec: {} },
      'application/strategic-merge-patch+json',
    );
    expect(strategic.status).toBe(415);
    expect(at(strategic.body, 'reason')).toBe('UnsupportedMediaType');
    const noNamespace = await api('POST', '/api/v1/namespaces/ghost/configmaps', {
      metadata: { name: 'x' },
    });
    expect(noNamespace.status).toBe(404);
    expect(at(noNamespace.body, 'message')).toBe('namespaces "ghost" not found');
  });

  it('defaults custom resources from the schema', async () => {
    const created = await api('POST', DSETS, dataset('defaulted'));
    expect(at(created.body, 'spec', 'source', 'format')).toBe('csv');
  });
});

describe('resourceVersion, generation and the status subresource', () => {
  it('bumps generation only for spec changes and when deletion starts', async () => {
    const created = (await api('POST', DSETS, dataset('gen'))).body;
    const rv = Number(at(created, 'metadata', 'resourceVersion'));
    const labelled = (
      await api(
        'PATCH',
        `${DSETS}/gen`,
        { metadata: { labels: { x: 'y' } } },
        'application/merge-patch+json',
      )
    ).body;
    expect(at(labelled, 'metadata', 'generation')).toBe(1);
    expect(Number(at(labelled, 'metadata', 'resourceVersion'))).toBeGreaterThan(rv);
    const unchanged = (
      await api(
        'PATCH',
        `${DSETS}/gen`,
        { metadata: { labels: { x: 'y' } } },
        'application/merge-patch+json',
      )
    ).body;
    expect(at(unchanged, 'metadata', 'resourceVersion')).toBe(
      at(labelled, 'metadata', 'resourceVersion'),
    );
    const spec = (
      await api(
        'PATCH',
        `${DSETS}/gen`,
        { spec: { interval: '2m' } },
        'application/merge-patch+json',
      )
    ).body;
    expect(at(spec, 'metadata', 'generation')).toBe(2);
    const ignoredStatus = (
      await api('PATCH', `${DSETS}/gen`, { status: { rows: 5 } }, 'application/merge-patch+json')
    ).body;
    expect(at(ignoredStatus, 'status')).toBeUndefined();
    expect(at(ignoredStatus, 'metadata', 'resourceVersion')).toBe(
      at(spec, 'metadata', 'resourceVersion'),
    );
    const status = (
      await api(
        'PATCH',
        `${DSETS}/gen/status`,
        { status: { rows: 5 }, spec: { interval: '9m' } },
        'application/merge-patch+json',
      )
    ).body;
    expect(at(status, 'status')).toEqual({ rows: 5 });
    expect(at(status, 'spec', 'interval')).toBe('2m');
    expect(at(status, 'metadata', 'generation')).toBe(2);
    await api(
      'PATCH',
      `${DSETS}/gen`,
      { metadata: { finalizers: ['ml.ferry.dev/finalizer'] } },
      'application/merge-patch+json',
    );
    const deleting = (await api('DELETE', `${DSETS}/gen`)).body;
    expect(at(deleting, 'metadata', 'deletionTimestamp')).toBeDefined();
    expect(at(deleting, 'metadata', 'generation')).toBe(3);
    const twice = (await api('DELETE', `${DSETS}/gen`)).body;
    expect(at(twice, 'metadata', 'generation')).toBe(3);
    const added = await api(
      'PATCH',
      `${DSETS}/gen`,
      { metadata: { finalizers: ['ml.ferry.dev/finalizer', 'other/x'] } },
      'application/merge-patch+json',
    );
    expect(added.status).toBe(422);
    expect(at(added.body, 'details', 'causes', 0, 'field')).toBe('metadata.finalizers');
    await api(
      'PATCH',
      `${DSETS}/gen`,
      [{ op: 'remove', path: '/metadata/finalizers' }],
      'application/json-patch+json',
    );
    expect((await api('GET', `${DSETS}/gen`)).status).toBe(404);
  });

  it('rejects a stale resourceVersion on update with 409 Conflict', async () => {
    const created = (await api('POST', DSETS, dataset('stale'))).body;
    const first = await api('PUT', `${DSETS}/stale`, {
      ...(created as object),
      spec: { ...(at(created, 'spec') as object), interval: '1m' },
    });
    expect(first.status).toBe(200);
    const second = await api('PUT', `${DSETS}/stale`, {
      ...(created as object),
      spec: { ...(at(created, 'spec') as object), interval: '3m' },
    });
    expect(second.status).toBe(409);
    expect(at(second.body, 'reason')).toBe('Conflict');
  });

  it('does not persist dryRun=All writes', async () => {
    const dry = await api('POST', `${DSETS}?dryRun=All`, dataset('dry'));
    expect(dry.status).toBe(201);
    expect((await api('GET', `${DSETS}/dry`)).status).toBe(404);
  });
});

describe('lists, selectors and tables', () => {
  it('pages with limit/continue and filters by label and field selectors', async () => {
    for (const name of ['page-a', 'page-b', 'page-c'])
      await api('POST', '/api/v1/namespaces/default/configmaps', {
        metadata: { name, labels: { page: 'yes', name } },
      });
    const first = await api(
      'GET',
      '/api/v1/namespaces/default/configmaps?labelSelector=page%3Dyes&limit=2',
    );
    expect(names(first.body)).toEqual(['page-a', 'page-b']);
    expect(at(first.body, 'metadata', 'remainingItemCount')).toBe(1);
    const second = await api(
      'GET',
      `/api/v1/namespaces/default/configmaps?labelSelector=page%3Dyes&limit=2&continue=${encodeURIComponent(text(at(first.body, 'metadata', 'continue')))}`,
    );
    expect(names(second.body)).toEqual(['page-c']);
    expect(at(second.body, 'metadata', 'continue')).toBeUndefined();
    const notIn = await api(
      'GET',
      `/api/v1/configmaps?labelSelector=${encodeURIComponent('page,name notin (page-a,page-b)')}`,
    );
    expect(names(notIn.body)).toEqual(['page-c']);
    const byName = await api(
      'GET',
      '/api/v1/configmaps?fieldSelector=metadata.name%3Dpage-b,metadata.namespace%3Ddefault',
    );
    expect(at(byName.body, 'items')).toHaveLength(1);
    const unsupported = await api('GET', '/api/v1/configmaps?fieldSelector=data.x%3D1');
    expect(unsupported.status).toBe(400);
  });

  it('renders Tables with printer columns and PartialObjectMetadata rows', async () => {
    const condition = {
      type: 'Ready',
      status: 'True',
      reason: 'Profiled',
      message: 'ok',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    };
    const patched = await api(
      'PATCH',
      `${DSETS}/codes/status`,
      { status: { rows: 150, shortDigest: 'abc123', conditions: [condition] } },
      'application/merge-patch+json',
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const table = await api(
      'GET',
      `${DSETS}?labelSelector=app%3Diris`,
      undefined,
      'application/json',
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    );
    expect(at(table.body, 'kind')).toBe('Table');
    const columns = at(table.body, 'columnDefinitions');
    expect(Array.isArray(columns) ? columns.map((column) => at(column, 'name')) : []).toEqual([
      'Name',
      'Rows',
      'Digest',
      'Ready',
      'Age',
    ]);
    const rows = at(table.body, 'rows');
    const row: unknown = Array.isArray(rows)
      ? rows.find((candidate) => at(candidate, 'cells', 0) === 'codes')
      : undefined;
    const cells = at(row, 'cells');
    expect(Array.isArray(cells) ? cells.slice(0, 4) : []).toEqual(['codes', 150, 'abc123', 'True']);
    expect(at(cells, 4)).toMatch(/^\d+s$/);
    expect(at(row, 'object')).toMatchObject({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { name: 'codes' },
    });
  });
});

describe('watch', () => {
  it('starts with ADDED for rv 0, replays from an rv, and sends 410 after compaction', async () => {
    const path = '/api/v1/namespaces/default/secrets';
    const one = (await api('POST', path, { metadata: { name: 's1' } })).body;
    const initial = await watchEvents(`${path}?watch=true&resourceVersion=0`, 1);
    expect(
      initial.map((event) => `${event.type} ${text(at(event.object, 'metadata', 'name'))}`),
    ).toEqual(['ADDED s1']);
    await api('PATCH', `${path}/s1`, { data: { a: 'Yg==' } }, 'application/merge-patch+json');
    await api('DELETE', `${path}/s1`);
    const replay = await watchEvents(
      `${path}?watch=true&resourceVersion=${text(at(one, 'metadata', 'resourceVersion'))}`,
      2,
    );
    expect(replay.map((event) => event.type)).toEqual(['MODIFIED', 'DELETED']);
    await api('POST', path, { metadata: { name: 's2' } });
    h.cluster.compactHistory();
    const expired = await watchEvents(
      `${path}?watch=true&resourceVersion=${text(at(one, 'metadata', 'resourceVersion'))}`,
      1,
    );
    expect(expired.map((event) => event.type)).toEqual(['ERROR']);
    expect(expired[0]?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('streams live events filtered by selectors, with bookmarks and a timeout', async () => {
    const path = '/api/v1/namespaces/default/services';
    const list = (await api('GET', path)).body;
    const events = watchEvents(
      `${path}?watch=true&resourceVersion=${text(at(list, 'metadata', 'resourceVersion'))}&labelSelector=tier%3Dweb&allowWatchBookmarks=true&timeoutSeconds=2`,
      4,
    );
    await eventually(() => h.cluster.openWatches > 0);
    await api('POST', path, { metadata: { name: 'other' } });
    await api('POST', path, { metadata: { name: 'web', labels: { tier: 'web' } } });
    await api(
      'PATCH',
      `${path}/web`,
      { metadata: { labels: { tier: 'db' } } },
      'application/merge-patch+json',
    );
    await api(
      'PATCH',
      `${path}/other`,
      { metadata: { labels: { tier: 'web' } } },
      'application/merge-patch+json',
    );
    const got = (await events).filter((event) => event.type !== 'BOOKMARK');
    expect(
      got.map((event) => `${event.type} ${text(at(event.object, 'metadata', 'name'))}`),
    ).toEqual(['ADDED web', 'DELETED web', 'ADDED other']);
    const started = Date.now();
    const all = await watchEvents(
      `${path}?watch=true&allowWatchBookmarks=true&timeoutSeconds=1`,
      100,
      5000,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(all.some((event) => event.type === 'BOOKMARK')).toBe(true);
  });
});

describe('garbage collection and namespaces', () => {
  it('deletes dependents whose owners are gone, and empties a deleted namespace', async () => {
    await api('POST', '/api/v1/namespaces', { metadata: { name: 'doomed' } });
    const owner = (
      await api('POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'owner' } })
    ).body;
    await api('POST', '/api/v1/namespaces/doomed/secrets', {
      metadata: {
        name: 'dependent',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: at(owner, 'metadata', 'uid') },
        ],
      },
    });
    await api('DELETE', '/api/v1/namespaces/doomed/configmaps/owner');
    await eventually(
      async () => (await api('GET', '/api/v1/namespaces/doomed/secrets/dependent')).status === 404,
    );
    await api('POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'leftover' } });
    const terminating = await api('DELETE', '/api/v1/namespaces/doomed');
    expect(at(terminating.body, 'status', 'phase')).toBe('Terminating');
    await eventually(async () => (await api('GET', '/api/v1/namespaces/doomed')).status === 404);
    expect(at((await api('GET', '/api/v1/namespaces/doomed/configmaps')).body, 'items')).toEqual(
      [],
    );
  });
});

describe('events', () => {
  it('serves events.k8s.io/v1 and core/v1 Events from one storage, with renamed fields', async () => {
    const created = await api('POST', '/apis/events.k8s.io/v1/namespaces/default/events', {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'ev1' },
      eventTime: '2026-01-01T00:00:00.000000Z',
      regarding: { kind: 'Dataset', name: 'iris', namespace: 'default', uid: 'u-1' },
      reason: 'Profiled',
      note: 'ok',
      type: 'Normal',
      action: 'Profile',
      reportingController: 'ferry.dev/operator',
      reportingInstance: 'i-0',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      regarding: { name: 'iris' },
      note: 'ok',
    });
    const core = await api(
      'GET',
      '/api/v1/namespaces/default/events?fieldSelector=involvedObject.uid%3Du-1,involvedObject.kind%3DDataset',
    );
    expect(at(core.body, 'items', 0)).toMatchObject({
      apiVersion: 'v1',
      involvedObject: { name: 'iris' },
      message: 'ok',
      reportingComponent: 'ferry.dev/operator',
    });
    const v1 = await api(
      'GET',
      '/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Diris',
    );
    expect(names(v1.body)).toEqual(['ev1']);
    const patched = await api(
      'PATCH',
      '/apis/events.k8s.io/v1/namespaces/default/events/ev1',
      { note: 'again' },
      'application/merge-patch+json',
    );
    expect(at(patched.body, 'note')).toBe('again');
    expect(at((await api('GET', '/api/v1/namespaces/default/events/ev1')).body, 'message')).toBe(
      'again',
    );
  });
});

describe('deletion propagation', () => {
  const cms = '/api/v1/namespaces/default/configmaps';
  async function ownerWithDependent(name: string): Promise<void> {
    const owner = await api('POST', cms, { metadata: { name } });
    const uid = at(owner.body, 'metadata', 'uid');
    await api('POST', '/api/v1/namespaces/default/secrets', {
      metadata: {
        name: `${name}-dep`,
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name, uid }],
      },
    });
  }

  it('holds a Foreground-deleted owner until its dependents are gone', async () => {
    await ownerWithDependent('fg');
    const deleting = await api('DELETE', `${cms}/fg`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Foreground',
    });
    expect(at(deleting.body, 'metadata', 'finalizers')).toEqual(['foregroundDeletion']);
    expect(at(deleting.body, 'metadata', 'deletionTimestamp')).toBeDefined();
    await eventually(async () => (await api('GET', `${cms}/fg`)).status === 404);
    expect((await api('GET', '/api/v1/namespaces/default/secrets/fg-dep')).status).toBe(404);
  });

  it('orphans dependents with propagationPolicy=Orphan', async () => {
    await ownerWithDependent('orph');
    await api('DELETE', `${cms}/orph?propagationPolicy=Orphan`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const dependent = await api('GET', '/api/v1/namespaces/default/secrets/orph-dep');
    expect(dependent.status).toBe(200);
    expect(at(dependent.body, 'metadata', 'ownerReferences')).toBeUndefined();
  });

  it('removes a CRD with its custom resources and its discovery entry', async () => {
    const crd = parse(
      await readFile(join(CRDS, 'ml.ferry.dev_driftmonitors.yaml'), 'utf8'),
    ) as unknown;
    expect(
      (await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status,
    ).toBe(201);
    const monitors = '/apis/ml.ferry.dev/v1alpha1/namespaces/default/driftmonitors';
    const monitor = {
      apiVersion: 'ml.ferry.dev/v1alpha1',
      kind: 'DriftMonitor',
      metadata: { name: 'm' },
      spec: { inferenceServiceRef: { name: 'iris' }, baselineRef: { name: 'iris' } },
    };
    const created = await api('POST', monitors, monitor);
    expect(created.status, text(created.body)).toBe(201);
    await api(
      'DELETE',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/driftmonitors.ml.ferry.dev',
    );
    expect((await api('GET', monitors)).status).toBe(404);
    const resources = await api('GET', '/apis/ml.ferry.dev/v1alpha1');
    expect(resources.body).toMatchObject({
      resources: [{ name: 'datasets' }, { name: 'datasets/status' }],
    });
    expect(
      (await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status,
    ).toBe(201);
    expect(at((await api('GET', monitors)).body, 'items')).toEqual([]);
  });
});

describe('test hooks', () => {
  it('fails the next N requests', async () => {
    h.cluster.failNextRequests(2);
    expect((await api('GET', '/version')).status).toBe(500);
    expect((await api('GET', '/version')).status).toBe(500);
    expect((await api('GET', '/version')).status).toBe(200);
  });
});
