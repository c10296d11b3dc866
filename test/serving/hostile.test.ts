/**
 * `ferry serve` against hostile bodies, over HTTP against real models: what a client sees
 * (status and message), and what the canary analysis reads from /metrics afterwards.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parsePrometheusText,
  servingFigures,
} from '../../operator/src/controllers/inference-service/analysis.js';
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
let strings: RunningServer;
let dtypes: RunningServer;

beforeAll(async () => {
  models = await buildModels('strings', 'dtypes');
  [iris, strings, dtypes] = await Promise.all([
    serve(IRIS, { name: 'iris' }),
    serve(models.path('strings'), { name: 'strings' }),
    serve(models.path('dtypes'), { name: 'dtypes' }),
  ]);
});

afterAll(async () => {
  await Promise.all([iris, strings, dtypes].map((server) => server.close()));
  await models.remove();
});

const nested = (depth: number, inner = ''): string =>
  `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

const DEPTH_MESSAGE = 'request body nests arrays and objects deeper than the 64-level limit';

describe('deeply nested JSON', () => {
  const cases: [string, string][] = [
    ['a deep id', `{"id":${nested(6000)},"inputs":[]}`],
    [
      'a deep shape',
      `{"inputs":[{"name":"input","datatype":"FP32","shape":${nested(6000)},"data":[]}]}`,
    ],
    [
      'a deep object inside data',
      `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[1,2,3,${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}]}]}`,
    ],
    ['a deep parameters object', `{"parameters":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`],
    ['a million levels', nested(1_000_000)],
  ];
  it.each(cases)('answers 400 naming the limit to %s', async (_what, body) => {
    const started = performance.now();
    const reply = await post(`${iris.url}/v2/models/iris/infer`, body);
    expect(reply).toEqual({ status: 400, body: { error: DEPTH_MESSAGE } });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('still decodes data nested as deep as the shape', async () => {
    const reply = await post(`${dtypes.url}/v2/models/dtypes/infer`, {
      inputs: [
        { name: 'f64', datatype: 'FP64', shape: [1, 2], data: [[1.5, 2]] },
        { name: 'i32', datatype: 'INT32', shape: [1, 2], data: [[1, 2]] },
        { name: 'i64', datatype: 'INT64', shape: [1, 2], data: [[1, 2]] },
        { name: 'flag', datatype: 'BOOL', shape: [1, 2], data: [[true, false]] },
      ],
    });
    expect(reply.status).toBe(200);
  });
});

/** What a client on a raw connection has read: the bytes, and whether the server closed. */
interface Exchange {
  readonly socket: Socket;
  /** Resolves with everything read once `text` holds a whole response after `skip` of them. */
  response(skip?: number): Promise<string>;
  /** Resolves once the server has closed the connection. */
  readonly closed: Promise<void>;
}

function exchange(url: string): Exchange {
  const { port, hostname } = new URL(url);
  const socket = connect(Number(port), hostname);
  let text = '';
  const waiting: (() => void)[] = [];
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    text += chunk;
    for (const wake of waiting.splice(0)) wake();
  });
  // A reset (the server cut a body it left unread) counts as closed too.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      resolve();
    });
  });
  const whole = (skip: number): string | undefined => {
    const rest = text.slice(skip);
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    const length = Number(/content-length: (\d+)/i.exec(rest.slice(0, end))?.[1] ?? 0);
    return rest.length >= end + 4 + length ? rest.slice(0, end + 4 + length) : undefined;
  };
  return {
    socket,
    closed,
    response: async (skip = 0) => {
      for (;;) {
        const found = whole(skip);
        if (found !== undefined) return found;
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    },
  };
}

const post1 = (body: string, length = Buffer.byteLength(body)): string =>
  `POST /v2/models/iris/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${length}\r\n\r\n${body}`;

describe('a body refused before its end', () => {
  it('is answered with Connection: close, and the connection closed without the rest', async () => {
    // Only the first 64 KiB of a declared MiB are ever sent: the server must not wait for more.
    const client = exchange(iris.url);
    client.socket.write(post1('['.repeat(64 * 1024), 1024 * 1024));
    const response = await client.response();
    expect(response).toMatch(/^HTTP\/1\.1 400 /);
    expect(response).toMatch(/\r\nconnection: close\r\n/i);
    expect(response.endsWith(JSON.stringify({ error: DEPTH_MESSAGE }))).toBe(true);
    await client.closed;
  });

  it('keeps the connection when the rest is small, for the next request', async () => {
    const client = exchange(iris.url);
    client.socket.write(post1(nested(6000)));
    const first = await client.response();
    expect(first).toMatch(/^HTTP\/1\.1 400 /);
    expect(first).not.toMatch(/\r\nconnection: close\r\n/i);
    client.socket.write(post1(JSON.stringify(irisRequest([[5.1, 3.5, 1.4, 0.2]]))));
    expect(await client.response(first.length)).toMatch(/^HTTP\/1\.1 200 /);
    client.socket.destroy();
  });
});

describe('numbers JSON cannot hold', () => {
  it('names 1e999 as out of range instead of calling it null', async () => {
    const reply = await post(
      `${iris.url}/v2/models/iris/infer`,
      '{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[1e999,1,1,1]}]}',
    );
    expect(reply).toEqual({
      status: 400,
      body: {
        error:
          'input "input": data[0] is a number beyond the float64 range, expected a number within ±3.4028235e38 for FP32',
      },
    });
  });

  it('refuses -1e999 for FP64 rather than computing with -Infinity', async () => {
    const reply = await post(
      `${dtypes.url}/v2/models/dtypes/infer`,
      '{"inputs":[{"name":"f64","datatype":"FP64","shape":[1,2],"data":[1,-1e999]},' +
        '{"name":"i32","datatype":"INT32","shape":[1,2],"data":[1,2]},' +
        '{"name":"i64","datatype":"INT64","shape":[1,2],"data":[1,2]},' +
        '{"name":"flag","datatype":"BOOL","shape":[1,2],"data":[true,false]}]}',
    );
    expect(reply).toEqual({
      status: 400,
      body: {
        error:
          'input "f64": data[1] is a number beyond the float64 range, expected a finite number for FP64',
      },
    });
  });
});

describe('BYTES with an embedded NUL', () => {
  it('is refused, not silently cut short at the NUL', async () => {
    // onnxruntime would read "setosa\u0000x" as "setosa" and label it 0.
    const reply = await post(`${strings.url}/v2/models/strings/infer`, {
      inputs: [
        { name: 'text', datatype: 'BYTES', shape: [2], data: ['virginica', 'setosa\u0000x'] },
      ],
    });
    expect(reply).toEqual({
      status: 400,
      body: {
        error:
          'input "text": data[1] is "setosa\\u0000x", expected a string without NUL (\\u0000) characters for BYTES',
      },
    });
  });

  it('still echoes strings without NUL whole', async () => {
    const reply = await post(`${strings.url}/v2/models/strings/infer`, {
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: ['se\ttosa é'] }],
      outputs: [{ name: 'echo' }],
    });
    expect(reply.body).toMatchObject({ outputs: [{ name: 'echo', data: ['se\ttosa é'] }] });
  });
});

describe('what the canary analysis reads after bad requests', () => {
  it('counts 400s as requests but not as errors', async () => {
    const server = await serve(IRIS, { name: 'iris', version: 'metrics' });
    try {
      const infer = `${server.url}/v2/models/iris/infer`;
      for (let round = 0; round < 20; round++) {
        expect((await post(infer, `{"id":${nested(6000)}}`)).status).toBe(400);
        expect(
          (
            await post(
              infer,
              '{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[1e999,1,1,1]}]}',
            )
          ).status,
        ).toBe(400);
        expect((await post(infer, irisRequest([[5.1, 3.5, 1.4, 0.2]]))).status).toBe(200);
      }
      const metrics = await get(`${server.url}/metrics`);
      const figures = servingFigures(parsePrometheusText(metrics.body as string));
      // The 40 refusals count under their code, but not as requests the canary judges.
      expect(figures.requests).toBe(20);
      expect(figures.serverErrors).toBe(0);
      expect(metrics.body).toContain(
        'ferry_serve_requests_total{model="iris",version="metrics",code="400"} 40',
      );
    } finally {
      await server.close();
    }
  });
});
