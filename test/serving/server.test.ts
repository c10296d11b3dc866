import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as ort from 'onnxruntime-node';
import {
  buildModels,
  get,
  IRIS,
  irisRequest,
  post,
  serve,
  type BuiltModels,
  type RunningServer,
} from './models.js';

let models: BuiltModels;
let iris: RunningServer;
let pair: RunningServer;
let dtypes: RunningServer;
let strings: RunningServer;
let fixed: RunningServer;

beforeAll(async () => {
  models = await buildModels('pair', 'dtypes', 'strings', 'fixed');
  [iris, pair, dtypes, strings, fixed] = await Promise.all([
    serve(IRIS, { name: 'iris', version: '1', maxBodyBytes: 64 * 1024, sampleCapacity: 50 }),
    serve(models.path('pair'), { name: 'pair' }),
    serve(models.path('dtypes'), { name: 'dtypes' }),
    serve(models.path('strings'), { name: 'strings' }),
    serve(models.path('fixed'), { name: 'fixed' }),
  ]);
});

afterAll(async () => {
  await Promise.all([iris, pair, dtypes, strings, fixed].map((server) => server.close()));
  await models.remove();
});

describe('health and metadata', () => {
  it('answers /v2, liveness and readiness', async () => {
    expect(await get(`${iris.url}/v2`)).toEqual({
      status: 200,
      body: { name: 'ferry', version: '0.1.0', extensions: [] },
    });
    expect(await get(`${iris.url}/v2/health/live`)).toEqual({ status: 200, body: { live: true } });
    expect(await get(`${iris.url}/v2/health/ready`)).toEqual({
      status: 200,
      body: { ready: true },
    });
    for (const path of ['/v2/models/iris/ready', '/v2/models/iris/versions/1/ready']) {
      expect(await get(`${iris.url}${path}`)).toEqual({
        status: 200,
        body: { name: 'iris', version: '1', ready: true },
      });
    }
  });

  it('describes the model from its real inputs and outputs, -1 for dynamic dims', async () => {
    const expected = {
      name: 'iris',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
      ],
    };
    expect(await get(`${iris.url}/v2/models/iris`)).toEqual({ status: 200, body: expected });
    expect(await get(`${iris.url}/v2/models/iris/versions/1`)).toEqual({
      status: 200,
      body: expected,
    });
    expect((await get(`${fixed.url}/v2/models/fixed`)).body).toMatchObject({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 2] }],
    });
    expect((await get(`${strings.url}/v2/models/strings`)).body).toMatchObject({
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1] }],
      outputs: [
        { name: 'echo', datatype: 'BYTES', shape: [-1] },
        { name: 'code', datatype: 'INT64', shape: [-1] },
      ],
    });
  });
});

describe('inference', () => {
  it('matches onnxruntime run directly, for flat and nested data, echoing the id', async () => {
    const rows = [
      [5.1, 3.5, 1.4, 0.2],
      [6.7, 3.0, 5.2, 2.3],
      [5.9, 3.0, 4.2, 1.5],
    ];
    const session = await ort.InferenceSession.create(IRIS);
    const direct = await session.run({
      input: new ort.Tensor('float32', Float32Array.from(rows.flat()), [3, 4]),
    });
    await session.release();
    const expected = {
      model_name: 'iris',
      model_version: '1',
      id: 'req-7',
      outputs: [
        {
          name: 'probabilities',
          datatype: 'FP32',
          shape: [3, 3],
          data: Array.from(direct.probabilities?.data as Float32Array),
        },
        {
          name: 'label',
          datatype: 'INT64',
          shape: [3],
          data: Array.from(direct.label?.data as BigInt64Array, Number),
        },
      ],
    };
    expect(expected.outputs[1]?.data).toEqual([0, 2, 1]);
    expect(await post(`${iris.url}/v2/models/iris/infer`, irisRequest(rows, 'req-7'))).toEqual({
      status: 200,
      body: expected,
    });
    const flat = {
      id: 'req-7',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 4], data: rows.flat() }],
    };
    expect(await post(`${iris.url}/v2/models/iris/versions/1/infer`, flat)).toEqual({
      status: 200,
      body: expected,
    });
  });

  it('returns only the requested outputs and tolerates parameters', async () => {
    const body = {
      parameters: { content_type: 'np' },
      inputs: [
        {
          name: 'input',
          datatype: 'FP32',
          shape: [1, 4],
          data: [6.7, 3.0, 5.2, 2.3],
          parameters: {},
        },
      ],
      outputs: [{ name: 'label', parameters: { binary_data: false } }],
    };
    expect(await post(`${iris.url}/v2/models/iris/infer`, body)).toEqual({
      status: 200,
      body: {
        model_name: 'iris',
        model_version: '1',
        outputs: [{ name: 'label', datatype: 'INT64', shape: [1], data: [2] }],
      },
    });
  });

  it('takes two inputs and gives two outputs', async () => {
    const reply = await post(`${pair.url}/v2/models/pair/infer`, {
      inputs: [
        { name: 'b', datatype: 'FP32', shape: [2, 3], data: [10, 20, 30, 40, 50, 60] },
        {
          name: 'a',
          datatype: 'FP32',
          shape: [2, 3],
          data: [
            [1, 2, 3],
            [4, 5, 6],
          ],
        },
      ],
    });
    expect(reply).toEqual({
      status: 200,
      body: {
        model_name: 'pair',
        model_version: '1',
        outputs: [
          { name: 'sum', datatype: 'FP32', shape: [2, 3], data: [11, 22, 33, 44, 55, 66] },
          { name: 'product', datatype: 'FP32', shape: [2, 3], data: [10, 40, 90, 160, 250, 360] },
        ],
      },
    });
  });

  it('carries FP64, INT32, INT64 and BOOL both ways', async () => {
    const reply = await post(`${dtypes.url}/v2/models/dtypes/infer`, {
      inputs: [
        { name: 'f64', datatype: 'FP64', shape: [1, 2], data: [0.1, -1.5] },
        { name: 'i32', datatype: 'INT32', shape: [1, 2], data: [2147483646, -7] },
        { name: 'i64', datatype: 'INT64', shape: [1, 2], data: [3000000000000, -2] },
        { name: 'flag', datatype: 'BOOL', shape: [1, 2], data: [true, false] },
      ],
    });
    expect(reply.status).toBe(200);
    expect((reply.body as { outputs: unknown }).outputs).toEqual([
      { name: 'f64_out', datatype: 'FP64', shape: [1, 2], data: [0.2, -3] },
      { name: 'i32_out', datatype: 'INT32', shape: [1, 2], data: [2147483647, -6] },
      { name: 'i64_out', datatype: 'INT64', shape: [1, 2], data: [9000000000000, -6] },
      { name: 'flag_out', datatype: 'BOOL', shape: [1, 2], data: [false, true] },
    ]);
  });

  it('takes and returns BYTES as strings', async () => {
    const reply = await post(`${strings.url}/v2/models/strings/infer`, {
      inputs: [
        { name: 'text', datatype: 'BYTES', shape: [3], data: ['virginica', 'héllo', 'setosa'] },
      ],
    });
    expect((reply.body as { outputs: unknown }).outputs).toEqual([
      { name: 'echo', datatype: 'BYTES', shape: [3], data: ['virginica', 'héllo', 'setosa'] },
      { name: 'code', datatype: 'INT64', shape: [3], data: [2, -1, 0] },
    ]);
  });

  it('serves a model without a batch dimension', async () => {
    const reply = await post(`${fixed.url}/v2/models/fixed/infer`, {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4] }],
    });
    expect((reply.body as { outputs: unknown }).outputs).toEqual([
      { name: 'y', datatype: 'FP32', shape: [2, 2], data: [10, 20, 30, 40] },
    ]);
  });
});

describe('bad requests', () => {
  const infer = '/v2/models/iris/infer';
  const cases: [string, string, string, unknown, number, string][] = [
    ['malformed JSON', 'POST', infer, '{"inputs": [', 400, 'malformed JSON: '],
    ['empty body', 'POST', infer, '', 400, 'malformed JSON: '],
    [
      'wrong shape',
      'POST',
      infer,
      { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] },
      400,
      'input "input": expected shape [-1,4], got [1,3]',
    ],
    [
      'wrong datatype',
      'POST',
      infer,
      { inputs: [{ name: 'input', datatype: 'INT64', shape: [1, 4], data: [1, 2, 3, 4] }] },
      400,
      'input "input": expected datatype FP32, got INT64',
    ],
    [
      'missing input',
      'POST',
      infer,
      { inputs: [] },
      400,
      'missing input "input": expected FP32 [-1,4]',
    ],
    [
      'unknown input',
      'POST',
      infer,
      { inputs: [{ name: 'features' }] },
      400,
      'unknown input "features": the model\'s inputs are "input"',
    ],
    [
      'data length',
      'POST',
      infer,
      { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: [1, 2, 3, 4] }] },
      400,
      'input "input": shape [2,4] needs 8 elements, data has 4',
    ],
    [
      'bad element',
      'POST',
      infer,
      { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [1, 2, true, 4] }] },
      400,
      'input "input": data[2] is true, expected a number within ±3.4028235e38 for FP32',
    ],
    [
      'unknown output',
      'POST',
      infer,
      { ...irisRequest([[1, 2, 3, 4]]), outputs: [{ name: 'proba' }] },
      400,
      'unknown output "proba": the model\'s outputs are "probabilities", "label"',
    ],
    [
      'unknown model',
      'POST',
      '/v2/models/wine/infer',
      irisRequest([[1, 2, 3, 4]]),
      404,
      'unknown model "wine": this server serves "iris"',
    ],
    [
      'unknown version',
      'POST',
      '/v2/models/iris/versions/2/infer',
      irisRequest([[1, 2, 3, 4]]),
      404,
      'model "iris" has no version "2": this server serves version "1"',
    ],
    [
      'unknown path',
      'GET',
      '/v2/repository/index',
      undefined,
      404,
      'no endpoint at /v2/repository/index',
    ],
    [
      'GET on infer',
      'GET',
      infer,
      undefined,
      405,
      'GET is not allowed on /v2/models/iris/infer: use POST',
    ],
    [
      'POST on metadata',
      'POST',
      '/v2/models/iris',
      '{}',
      405,
      'POST is not allowed on /v2/models/iris: use GET',
    ],
    [
      'malformed escape',
      'GET',
      '/v2/models/%E0%A4%A',
      undefined,
      400,
      'malformed URL /v2/models/%E0%A4%A',
    ],
  ];
  it.each(cases)('%s', async (_name, method, path, body, status, message) => {
    const response = await fetch(`${iris.url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/json');
    const error = ((await response.json()) as { error: string }).error;
    if (message.endsWith(': ')) expect(error.startsWith(message)).toBe(true);
    else expect(error).toBe(message);
  });

  it('answers 413 to a body over the limit, by Content-Length or by bytes read', async () => {
    const big = JSON.stringify({ inputs: [{ name: 'input', data: new Array(20_000).fill(1.25) }] });
    const declared = await fetch(`${iris.url}/v2/models/iris/infer`, { method: 'POST', body: big });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({
      error: 'request body is larger than the 65536-byte limit',
    });
    // Chunked, so no Content-Length: the limit trips while reading.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        `${iris.url}/v2/models/iris/infer`,
        { method: 'POST' },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => {
            resolve({ status: response.statusCode ?? 0, body: text });
          });
        },
      );
      request.on('error', reject);
      for (let i = 0; i < 10; i++) request.write(big.slice(i * 16_000, (i + 1) * 16_000));
      request.end();
    });
    expect(chunked).toEqual({
      status: 413,
      body: '{"error":"request body is larger than the 65536-byte limit"}',
    });
    // The server carries on.
    expect(
      (await post(`${iris.url}/v2/models/iris/infer`, irisRequest([[1, 2, 3, 4]]))).status,
    ).toBe(200);
  });

  it('carries on when a client hangs up halfway through its body', async () => {
    const { port } = new URL(iris.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'POST /v2/models/iris/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"inputs": [',
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
      socket.on('error', reject);
    });
    await vi.waitFor(() => {
      expect(iris.server.active).toBe(0);
    });
    expect(
      (await post(`${iris.url}/v2/models/iris/infer`, irisRequest([[1, 2, 3, 4]]))).status,
    ).toBe(200);
  });

  it('survives a flood of bad requests without growing', async () => {
    const bodies = [
      '{',
      '[]',
      '{"inputs":7}',
      JSON.stringify({
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1e9, 1e9], data: [] }],
      }),
      JSON.stringify({
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [[[[[[1]]]]]] }],
      }),
    ];
    const flood = async (): Promise<void> => {
      for (let round = 0; round < 100; round++) {
        const replies = await Promise.all(
          bodies.map((body) => post(`${iris.url}/v2/models/iris/infer`, body)),
        );
        for (const reply of replies) expect(reply.status).toBe(400);
      }
    };
    // A real collection before each reading, so garbage not yet collected is not a leak.
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    await flood();
    collect();
    const before = process.memoryUsage().heapUsed;
    await flood();
    await flood();
    collect();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(16 * 1024 * 1024);
    expect(iris.server.active).toBe(0);
    expect((await get(`${iris.url}/v2/health/ready`)).status).toBe(200);
  });
});

describe('/metrics and /samples', () => {
  it('exposes request counts by code, latency, batch size, queue depth and load time', async () => {
    const server = await serve(IRIS, { name: 'iris', version: '4' });
    try {
      for (let i = 0; i < 3; i++)
        await post(`${server.url}/v2/models/iris/infer`, irisRequest([[1, 2, 3, 4]]));
      await post(`${server.url}/v2/models/iris/infer`, '{');
      const response = await fetch(`${server.url}/metrics`);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const samples = parseExposition(await response.text());
      const labels = 'model="iris",version="4"';
      expect(samples.get(`ferry_serve_requests_total{${labels},code="200"}`)).toBe(3);
      expect(samples.get(`ferry_serve_requests_total{${labels},code="400"}`)).toBe(1);
      // The refused request is counted, but not timed.
      expect(samples.get(`ferry_serve_request_duration_seconds_count{${labels}}`)).toBe(3);
      expect(samples.get(`ferry_serve_request_duration_seconds_bucket{le="+Inf",${labels}}`)).toBe(
        3,
      );
      expect(samples.get(`ferry_serve_batch_size_count{${labels}}`)).toBe(3);
      expect(samples.get(`ferry_serve_batch_size_bucket{le="1",${labels}}`)).toBe(3);
      expect(samples.get(`ferry_serve_queue_depth{${labels}}`)).toBe(0);
      expect(samples.get(`ferry_serve_model_load_seconds{${labels}}`)).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('answers ?since= with the rows served since then, and 400 for a time it cannot read', async () => {
    const server = await serve(IRIS, { name: 'iris' });
    try {
      await post(`${server.url}/v2/models/iris/infer`, irisRequest([[1, 2, 3, 4]]));
      const base = `${server.url}/v2/models/iris/samples`;
      const past = await get(`${base}?since=2000-01-01T00:00:00Z`);
      expect(past.body).toMatchObject({ seen: 1, size: 1 });
      const future = await get(`${base}?since=${encodeURIComponent('2999-01-01T00:00:00Z')}`);
      expect(future.body).toMatchObject({ seen: 0, size: 0 });
      const bad = await get(`${base}?since=yesterday`);
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ error: 'since must be an RFC 3339 time, not yesterday' });
    } finally {
      await server.close();
    }
  });

  it('keeps a bounded, row-aligned reservoir of inputs and outputs', async () => {
    const server = await serve(IRIS, { name: 'iris', sampleCapacity: 20 });
    try {
      for (let i = 0; i < 30; i++) {
        await post(
          `${server.url}/v2/models/iris/infer`,
          irisRequest([
            [i, 0, 0, 0],
            [i + 0.5, 1, 2, 3],
          ]),
        );
      }
      await post(`${server.url}/v2/models/iris/infer`, '{');
      const { status, body } = await get(`${server.url}/v2/models/iris/samples`);
      expect(status).toBe(200);
      const snapshot = body as {
        seen: number;
        size: number;
        capacity: number;
        model_name: string;
        inputs: { name: string; values: number[] }[];
        outputs: { name: string; index: number | null; values: number[] }[];
      };
      expect(snapshot).toMatchObject({
        model_name: 'iris',
        model_version: '1',
        seen: 60,
        size: 20,
        capacity: 20,
      });
      expect(snapshot.inputs.map((feature) => feature.name)).toEqual([
        'input[0]',
        'input[1]',
        'input[2]',
        'input[3]',
      ]);
      expect(snapshot.outputs.map((feature) => [feature.name, feature.index])).toEqual([
        ['probabilities[0]', 0],
        ['probabilities[1]', 1],
        ['probabilities[2]', 2],
        ['label', null],
      ]);
      for (const feature of [...snapshot.inputs, ...snapshot.outputs])
        expect(feature.values).toHaveLength(20);
      // Row alignment: input[1] is 0 exactly for rows whose input[0] is a whole number.
      const [first, second] = snapshot.inputs;
      first?.values.forEach((value, k) => {
        expect(second?.values[k]).toBe(Number.isInteger(value) ? 0 : 1);
      });
    } finally {
      await server.close();
    }
  });
});

/** Prometheus text exposition → `name{labels}` → value, labels as written. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}
