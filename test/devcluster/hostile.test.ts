/**
 * The devcluster against hostile requests, over HTTP as any client sends them: deep JSON,
 * malformed paths, bodies over the limit and very long lists of problems all get a
 * Kubernetes Status with a 4xx code, and the server goes on serving.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster({ crds: true });
});

afterAll(async () => {
  await cluster.stop();
});

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

async function send(
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
): Promise<Reply> {
  const init: RequestInit = { method, headers: { 'content-type': contentType } };
  if (body !== undefined) init.body = body;
  const response = await fetch(`${cluster.devcluster.url}${path}`, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    code,
    reason,
    message,
  };
}

const nestedArrays = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';
const TRAININGJOBS = '/apis/ml.ferry.dev/v1alpha1/namespaces/default/trainingjobs';
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

const TOO_DEEP = status(
  400,
  'BadRequest',
  'the body of the request could not be decoded: it nests arrays and objects deeper than the limit of 500 levels',
);

function trainingJob(name: string, hyperparameters: string, command = '["python3"]'): string {
  return `{"apiVersion":"ml.ferry.dev/v1alpha1","kind":"TrainingJob","metadata":{"name":"${name}"},"spec":{"datasetRef":{"name":"iris"},"model":"iris","image":"ghcr.io/x/y:1","command":${command},"hyperparameters":${hyperparameters},"resources":{"gpus":0}}}`;
}

function crd(plural: string, schema: string): string {
  return `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"${plural}.example.com"},"spec":{"group":"example.com","names":{"plural":"${plural}","kind":"K${plural}"},"scope":"Namespaced","versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":${schema}}}]}}`;
}

function deepSchema(levels: number): string {
  let schema = '{"type":"string"}';
  for (let level = 0; level < levels; level++) {
    schema = `{"type":"object","properties":{"a":${schema}}}`;
  }
  return schema;
}

describe('deeply nested JSON', () => {
  const cases: [string, string, string, string?][] = [
    [
      'a ConfigMap',
      CONFIGMAPS,
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":{"a":${nestedArrays(2000)}}}`,
    ],
    ['TrainingJob hyperparameters', TRAININGJOBS, trainingJob('deep', nestedObjects(2000))],
    ['a CRD schema', CRDS, crd('deeps', deepSchema(1000))],
    ['a million levels', CONFIGMAPS, nestedArrays(1_000_000)],
    [
      'a server-side apply body',
      `${CONFIGMAPS}/deep?fieldManager=test`,
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${nestedObjects(5000)}}`,
      'application/apply-patch+yaml',
    ],
  ];
  it.each(cases)('in %s is 400 with a Status naming the limit', async (_what, path, body, type) => {
    const method = type === undefined ? 'POST' : 'PATCH';
    expect(await send(method, path, body, type)).toEqual({ status: 400, body: TOO_DEEP });
  });

  it('in block YAML is 400 too, before the YAML parser recurses', async () => {
    const block = Array.from({ length: 1500 }, (_, depth) => `${' '.repeat(depth + 1)}k${depth}:`);
    const body = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n${block.join('\n')}\n`;
    expect(await send('POST', CONFIGMAPS, body, 'application/yaml')).toEqual({
      status: 400,
      body: TOO_DEEP,
    });
  });

  it('within the limit is stored, and the server is still serving', async () => {
    const created = await send('POST', TRAININGJOBS, trainingJob('nested', nestedObjects(400)));
    expect(created.status).toBe(201);
    const schema = await send('POST', CRDS, crd('nesteds', deepSchema(200)));
    expect(schema.status).toBe(201);
    expect((await send('GET', `${TRAININGJOBS}/nested`)).status).toBe(200);
  });
});

describe('problems past the size of a spread', () => {
  it('answers 422 listing every one of 150,000 invalid items', async () => {
    const command = `[${Array.from({ length: 150_000 }, () => '1').join(',')}]`;
    const reply = await send('POST', TRAININGJOBS, trainingJob('many', '{}', command));
    expect(reply.status).toBe(422);
    expect(reply.body['reason']).toBe('Invalid');
    const details = reply.body['details'] as { causes: { field: string }[] };
    expect(details.causes).toHaveLength(150_000);
    expect(details.causes[149_999]?.field).toBe('spec.command[149999]');
  });
});

describe('paths', () => {
  it('answers 400 to a malformed percent-escape', async () => {
    expect(await send('GET', '/api/v1/namespaces/%E0%A4%A/configmaps')).toEqual({
      status: 400,
      body: status(400, 'BadRequest', 'invalid URL escape in path segment "%E0%A4%A"'),
    });
  });
});

describe('bodies over 3 MiB', () => {
  const big = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"a":"${'x'.repeat(4 * 1024 * 1024)}"}}`;
  const TOO_LARGE = status(
    413,
    'RequestEntityTooLarge',
    'Request entity too large: limit is 3145728',
  );

  it('answers 413 as kube-apiserver does, instead of resetting the connection', async () => {
    expect(await send('POST', CONFIGMAPS, big)).toEqual({ status: 413, body: TOO_LARGE });
  });

  it('answers 413 to a chunked body without Content-Length too', async () => {
    const url = new URL(`${cluster.devcluster.url}${CONFIGMAPS}`);
    const reply = await new Promise<Reply>((resolve, reject) => {
      const request = httpRequest(
        url,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => {
            resolve({
              status: response.statusCode ?? 0,
              body: JSON.parse(text) as Record<string, unknown>,
            });
          });
        },
      );
      request.on('error', reject);
      for (let offset = 0; offset < big.length; offset += 64 * 1024) {
        request.write(big.slice(offset, offset + 64 * 1024));
      }
      request.end();
    });
    expect(reply).toEqual({ status: 413, body: TOO_LARGE });
    expect((await send('GET', CONFIGMAPS)).status).toBe(200);
  });
});
