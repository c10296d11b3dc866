/**
 * The classification extension on the iris model: asked for, the scores come back as the
 * K best classes with their names; not asked for, the response is as it always was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRIS, post, serve, type RunningServer } from './models.js';

const NAMES = ['setosa', 'versicolor', 'virginica'];
const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
];
let server: RunningServer;

beforeAll(async () => {
  server = await serve(IRIS, { name: 'iris', classNames: NAMES });
});
afterAll(async () => {
  await server.close();
});

interface Output {
  name: string;
  datatype: string;
  shape: number[];
  data: (number | string)[];
}

const infer = (outputs?: object[]) =>
  post(`${server.url}/v2/models/iris/infer`, {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4], data: ROWS }],
    ...(outputs === undefined ? {} : { outputs }),
  });

describe('classification', () => {
  it('answers the K best classes of each row as score:index:name, best first', async () => {
    const plain = (await infer()).body as { outputs: Output[] };
    const scores = plain.outputs.find((output) => output.name === 'probabilities')
      ?.data as number[];
    const reply = await infer([{ name: 'probabilities', parameters: { classification: 2 } }]);
    expect(reply.status).toBe(200);
    const [output] = (reply.body as { outputs: Output[] }).outputs;
    expect(output).toMatchObject({ name: 'probabilities', datatype: 'BYTES', shape: [2, 2] });
    const expected = [0, 1].flatMap((row) =>
      [0, 1, 2]
        .map((index) => ({ index, score: scores[row * 3 + index] ?? 0 }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 2)
        .map(({ index, score }) => `${String(score)}:${String(index)}:${NAMES[index] ?? ''}`),
    );
    expect(output?.data).toEqual(expected);
    expect(String(output?.data[0])).toMatch(/:0:setosa$/);
    expect(String(output?.data[2])).toMatch(/:2:virginica$/);
  });

  it('leaves a request that does not ask as it was', async () => {
    const reply = await infer([{ name: 'label' }]);
    expect((reply.body as { outputs: Output[] }).outputs).toEqual([
      { name: 'label', datatype: 'INT64', shape: [2], data: [0, 2] },
    ]);
  });

  it.each([
    [{ name: 'label', parameters: { classification: 1 } }, 'output "label" cannot be classified'],
    [
      { name: 'probabilities', parameters: { classification: 0 } },
      '"classification" must be a whole number from 1',
    ],
  ])('refuses %j with 400', async (output, message) => {
    const reply = await infer([output]);
    expect(reply.status).toBe(400);
    expect((reply.body as { error: string }).error).toContain(message);
  });
});
