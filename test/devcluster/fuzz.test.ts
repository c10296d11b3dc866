/**
 * Fuzzing the devcluster over HTTP: random and adversarial bodies (random JSON, broken
 * text, deep nesting, mangled objects, bodies over 3 MiB) to writes of every kind, and
 * junk in paths and queries, each batch sent at once with a good create-and-read among
 * them. No answer may be a 5xx, every failure must be a Kubernetes Status, every good
 * request must round-trip, and memory must stay bounded. Seeded and bounded in time.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectGarbage } from '../support/gc.js';
import { startCluster, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster({ crds: true });
});

afterAll(async () => {
  await cluster.stop();
});

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';
const TRAININGJOBS = '/apis/ml.ferry.dev/v1alpha1/namespaces/default/trainingjobs';
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

interface Call {
  readonly method: string;
  readonly path: string;
  readonly contentType: string;
  readonly body: string | undefined;
}

const write = fc.constantFrom(
  { method: 'POST', path: CONFIGMAPS, contentType: 'application/json' },
  { method: 'POST', path: TRAININGJOBS, contentType: 'application/json' },
  { method: 'POST', path: CRDS, contentType: 'application/json' },
  { method: 'POST', path: CONFIGMAPS, contentType: 'application/yaml' },
  { method: 'PUT', path: `${CONFIGMAPS}/fuzz`, contentType: 'application/json' },
  { method: 'PATCH', path: `${CONFIGMAPS}/fuzz`, contentType: 'application/merge-patch+json' },
  { method: 'PATCH', path: `${CONFIGMAPS}/fuzz`, contentType: 'application/json-patch+json' },
  {
    method: 'PATCH',
    path: `${CONFIGMAPS}/fuzz`,
    contentType: 'application/strategic-merge-patch+json',
  },
  {
    method: 'PATCH',
    path: `${CONFIGMAPS}/fuzz?fieldManager=fuzz`,
    contentType: 'application/apply-patch+yaml',
  },
  {
    method: 'PATCH',
    path: `${TRAININGJOBS}/fuzz/status`,
    contentType: 'application/merge-patch+json',
  },
  { method: 'DELETE', path: `${CONFIGMAPS}/fuzz`, contentType: 'application/json' },
  { method: 'DELETE', path: TRAININGJOBS, contentType: 'application/json' },
);

/** Nesting from below the limit to far past it, at the root or inside an object. */
const deep = fc
  .record({
    depth: fc.integer({ min: 400, max: 50_000 }),
    open: fc.constantFrom('[', '{"a":', '[{"b":'),
    inside: fc.boolean(),
  })
  .map(({ depth, open, inside }) => {
    const close = open === '[' ? ']' : open === '{"a":' ? '}' : '}]';
    const value = `${open.repeat(depth)}1${close.repeat(depth)}`;
    return inside
      ? `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fuzz"},"data":{"a":${value}}}`
      : value;
  });

/** A Kubernetes-looking object with random parts. */
const mangled = fc
  .record({
    apiVersion: fc.constantFrom(
      '"v1"',
      '"ml.ferry.dev/v1alpha1"',
      '"apiextensions.k8s.io/v1"',
      '1',
      '""',
    ),
    kind: fc.constantFrom(
      '"ConfigMap"',
      '"TrainingJob"',
      '"CustomResourceDefinition"',
      'null',
      '"X"',
    ),
    name: fc.oneof(
      fc.constantFrom('"fuzz"', '""', '"UPPER"', '"a/b"', '"%2F"', '7', `"${'n'.repeat(300)}"`),
      fc.string({ maxLength: 20 }).map((text) => JSON.stringify(text)),
    ),
    rest: fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value)),
  })
  .map(
    ({ apiVersion, kind, name, rest }) =>
      `{"apiVersion":${apiVersion},"kind":${kind},"metadata":{"name":${name},"labels":${rest}},"spec":${rest},"data":${rest}}`,
  );

const body = fc.oneof(
  { weight: 3, arbitrary: mangled },
  { weight: 2, arbitrary: deep },
  { weight: 2, arbitrary: fc.json({ maxDepth: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constant('') },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 3 * 1024 * 1024, max: 4 * 1024 * 1024 })
      .map((size) => `{"data":"${'x'.repeat(size)}"}`),
  },
);

const junkSegment = fc.oneof(
  fc.constantFrom('%', '%E0%A4%A', '%zz', '%C0%AF', '..', '%2F', '~', '%00', 'a%20b', '%FF%FE'),
  fc.string({ maxLength: 8 }).map(encodeURIComponent),
);
const junkQuery = fc.constantFrom(
  '',
  '?labelSelector=a%3D%3D%3Db',
  '?fieldSelector=metadata.name%3D%3D',
  '?limit=-5',
  '?limit=abc',
  '?continue=junk',
  '?resourceVersion=abc',
  '?fieldValidation=Bogus',
  '?dryRun=Nope',
  '?labelSelector=%E0%A4%A',
);
const junkPath = fc
  .record({
    prefix: fc.constantFrom(
      '/api/v1/namespaces',
      '/apis/ml.ferry.dev/v1alpha1',
      '/api',
      '/apis',
      '',
    ),
    segments: fc.array(junkSegment, { minLength: 1, maxLength: 4 }),
    query: junkQuery,
    method: fc.constantFrom('GET', 'DELETE', 'POST'),
  })
  .map(({ prefix, segments, query, method }): Call => ({
    method,
    path: `${prefix}/${segments.join('/')}${query}`,
    contentType: 'application/json',
    body: method === 'POST' ? '{}' : undefined,
  }));

const call = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(write, body).map(([target, text]): Call => ({ ...target, body: text })),
  },
  { weight: 1, arbitrary: junkPath },
  {
    weight: 1,
    arbitrary: junkQuery.map((query): Call => ({
      method: 'GET',
      path: `${CONFIGMAPS}${query}`,
      contentType: 'application/json',
      body: undefined,
    })),
  },
);

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function send({ method, path, contentType, body }: Call): Promise<Reply> {
  const init: RequestInit = { method, headers: { 'content-type': contentType } };
  if (body !== undefined) init.body = body;
  const response = await fetch(`${cluster.devcluster.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
}

describe('devcluster under random and adversarial requests', () => {
  it('never answers 5xx, answers failures with a Status, and serves good requests right', async () => {
    collectGarbage();
    const before = process.memoryUsage();
    let good = 0;
    let bad = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(call, { minLength: 1, maxLength: 8 }),
        fc.string({ maxLength: 40 }),
        async (calls, value) => {
          const name = `good-${good++}`;
          const created = send({
            method: 'POST',
            path: CONFIGMAPS,
            contentType: 'application/json',
            body: JSON.stringify({
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name },
              data: { value },
            }),
          });
          const replies = await Promise.all(calls.map(send));
          for (const reply of replies) {
            expect(reply.status).toBeLessThan(500);
            if (reply.status >= 400) {
              expect(reply.body).toMatchObject({
                kind: 'Status',
                status: 'Failure',
                code: reply.status,
              });
            }
          }
          bad += calls.length;
          expect((await created).status).toBe(201);
          const read = await send({
            method: 'GET',
            path: `${CONFIGMAPS}/${name}`,
            contentType: 'application/json',
            body: undefined,
          });
          expect(read.body['data']).toEqual({ value });
        },
      ),
      {
        seed: 20_261_202,
        numRuns: 300,
        interruptAfterTimeLimit: 30_000,
        markInterruptAsFailure: false,
      },
    );
    expect(bad).toBeGreaterThan(150);
    collectGarbage();
    const after = process.memoryUsage();
    expect(after.heapUsed - before.heapUsed).toBeLessThan(64 * 1024 * 1024);
    expect(after.rss - before.rss).toBeLessThan(384 * 1024 * 1024);
  }, 90_000);
});
