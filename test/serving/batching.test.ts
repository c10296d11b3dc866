import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildModels,
  IRIS,
  irisRequest,
  post,
  serve,
  type BuiltModels,
  type Reply,
} from './models.js';

let models: BuiltModels;
beforeAll(async () => {
  models = await buildModels('mlp', 'pair', 'gather');
});
afterAll(async () => {
  await models.remove();
});

interface Output {
  name: string;
  shape: number[];
  data: number[];
}

function outputsOf(body: unknown): Output[] {
  return (body as { outputs: Output[] }).outputs;
}

/** A deterministic pseudo-random row of `width` floats for request `index`. */
function row(index: number, width: number): number[] {
  return Array.from({ length: width }, (_, i) => Math.sin(index * 7.13 + i * 0.37));
}

function expectClose(actual: Output[], expected: Output[]): void {
  expect(actual.map((output) => [output.name, output.shape])).toEqual(
    expected.map((output) => [output.name, output.shape]),
  );
  actual.forEach((output, o) => {
    const reference = expected[o]?.data ?? [];
    expect(output.data).toHaveLength(reference.length);
    output.data.forEach((value, i) => {
      expect(Math.abs(value - (reference[i] ?? NaN))).toBeLessThanOrEqual(
        1e-4 * (1 + Math.abs(value)),
      );
    });
  });
}

async function batchStats(url: string): Promise<{ runs: number; rows: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string): number =>
    Number(/ (\S+)$/.exec(text.split('\n').find((line) => line.startsWith(name)) ?? '')?.[1]);
  return { runs: value('ferry_serve_batch_size_count'), rows: value('ferry_serve_batch_size_sum') };
}

describe('dynamic batching', () => {
  it('gives each concurrent caller exactly its own rows, equal to unbatched results', async () => {
    const batched = await serve(models.path('mlp'), { name: 'mlp', maxBatchSize: 8 });
    const alone = await serve(models.path('mlp'), { name: 'mlp', maxBatchSize: 1 });
    try {
      // 40 callers with 1 to 3 rows each, all different.
      const requests = Array.from({ length: 40 }, (_, index) => {
        const rows = Array.from({ length: 1 + (index % 3) }, (_, r) => row(index * 10 + r, 256));
        return {
          id: `r${index}`,
          inputs: [{ name: 'x', datatype: 'FP32', shape: [rows.length, 256], data: rows }],
        };
      });
      const replies = await Promise.all(
        requests.map((body) => post(`${batched.url}/v2/models/mlp/infer`, body)),
      );
      const references: Reply[] = [];
      for (const body of requests)
        references.push(await post(`${alone.url}/v2/models/mlp/infer`, body));
      replies.forEach((reply, index) => {
        expect(reply.status).toBe(200);
        expect((reply.body as { id: string }).id).toBe(`r${index}`);
        expect(outputsOf(reply.body)[0]?.shape).toEqual([1 + (index % 3), 10]);
        expectClose(outputsOf(reply.body), outputsOf(references[index]?.body));
      });
      const stats = await batchStats(batched.url);
      expect(stats.rows).toBe(79);
      // Requests queued behind a ~ms model run were stacked: fewer runs than requests.
      expect(stats.runs).toBeLessThan(40);
      expect(await batchStats(alone.url)).toEqual({ runs: 40, rows: 79 });
    } finally {
      await Promise.all([batched.close(), alone.close()]);
    }
  });

  it('waits up to --max-batch-delay-ms for a batch to fill, and no longer', async () => {
    const server = await serve(models.path('pair'), {
      name: 'pair',
      maxBatchSize: 4,
      maxBatchDelayMs: 300,
    });
    try {
      const body = (n: number): object => ({
        inputs: [
          { name: 'a', datatype: 'FP32', shape: [1, 3], data: [n, n, n] },
          { name: 'b', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] },
        ],
      });
      const replies = await Promise.all(
        [1, 2, 3, 4].map((n) => post(`${server.url}/v2/models/pair/infer`, body(n))),
      );
      replies.forEach((reply, index) => {
        expect(outputsOf(reply.body)[0]).toEqual({
          name: 'sum',
          datatype: 'FP32',
          shape: [1, 3],
          data: [index + 2, index + 3, index + 4],
        });
      });
      // Four requests arriving within the delay ran as one full batch.
      expect(await batchStats(server.url)).toEqual({ runs: 1, rows: 4 });
      const started = performance.now();
      expect((await post(`${server.url}/v2/models/pair/infer`, body(9))).status).toBe(200);
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(290);
      expect(waited).toBeLessThan(2000);
      expect(await batchStats(server.url)).toEqual({ runs: 2, rows: 5 });
    } finally {
      await server.close();
    }
  });

  it('fails only the request that breaks a batch; its neighbours get their rows', async () => {
    const server = await serve(models.path('gather'), { name: 'gather', maxBatchDelayMs: 300 });
    try {
      const body = (index: number): object => ({
        inputs: [
          { name: 'data', datatype: 'FP32', shape: [1, 3], data: [10, 20, 30] },
          { name: 'index', datatype: 'INT64', shape: [1, 1], data: [index] },
        ],
      });
      const replies = await Promise.all(
        [0, 2, 7, 1].map((index) => post(`${server.url}/v2/models/gather/infer`, body(index))),
      );
      expect(replies.map((reply) => reply.status)).toEqual([200, 200, 500, 200]);
      expect([0, 1, 3].map((i) => outputsOf(replies[i]?.body)[0]?.data)).toEqual([
        [10],
        [30],
        [20],
      ]);
      expect((replies[2]?.body as { error: string }).error).toMatch(/^inference failed: .*index/i);
      expect(await batchStats(server.url)).toEqual({ runs: 1, rows: 4 });
    } finally {
      await server.close();
    }
  });

  it('runs a request larger than --max-batch-size alone and whole', async () => {
    const server = await serve(IRIS, { name: 'iris', maxBatchSize: 2 });
    try {
      const rows = [
        [5.1, 3.5, 1.4, 0.2],
        [6.7, 3.0, 5.2, 2.3],
        [5.9, 3.0, 4.2, 1.5],
      ];
      const reply = await post(`${server.url}/v2/models/iris/infer`, {
        ...irisRequest(rows),
        outputs: [{ name: 'label' }],
      });
      expect(outputsOf(reply.body)).toEqual([
        { name: 'label', datatype: 'INT64', shape: [3], data: [0, 2, 1] },
      ]);
    } finally {
      await server.close();
    }
  });
});
