/**
 * The iris example's two trainers, run as the TrainingJob's container would run them
 * (the training contract's environment): train.mjs with Node alone, train.py with
 * Debian's python3-sklearn and python3-onnx. Each must write a result the TrainingJob
 * controller accepts and an ONNX model onnxruntime loads, whose reported accuracy is what
 * the model really scores on the rows it held out.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTrainingResult } from '../../operator/src/controllers/training-job/result.js';
import { post, serve } from '../serving/models.js';
import { REPO } from '../support/cluster.js';

const DATA = join(REPO, 'examples', 'iris', 'data', 'iris.csv');
const SPLIT = { train: 0.8, validation: 0.1, test: 0.1, seed: 7 };
const SPECIES = ['setosa', 'versicolor', 'virginica'];
const scratch: string[] = [];

afterAll(async () => {
  await Promise.all(scratch.map((directory) => rm(directory, { recursive: true, force: true })));
});

const rows = (await readFile(DATA, 'utf8'))
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const cells = line.split(',');
    return { x: cells.slice(0, 4).map(Number), y: SPECIES.indexOf(cells[4] ?? '') };
  });

/** The split rule of the training contract: sha256("seed:index")'s first 8 bytes as a fraction. */
function part(index: number): 'train' | 'validation' | 'test' {
  const digest = createHash('sha256')
    .update(`${String(SPLIT.seed)}:${String(index)}`)
    .digest();
  const fraction = Number(digest.readBigUInt64BE(0)) / 2 ** 64;
  if (fraction < SPLIT.train) return 'train';
  return fraction < SPLIT.train + SPLIT.validation ? 'validation' : 'test';
}

interface Trained {
  result: { metrics: Record<string, number>; artifact: string; sha256: string };
  model: Buffer;
  /** Where the trainer wrote the model. */
  path: string;
}

async function train(command: string[], hyperparameters: Record<string, number>): Promise<Trained> {
  const output = await mkdtemp(join(tmpdir(), 'ferry-trainer-'));
  scratch.push(output);
  const resultPath = join(output, 'termination-log');
  await promisify(execFile)(command[0] ?? '', command.slice(1), {
    env: {
      PATH: process.env.PATH ?? '',
      FERRY_DATASET_URI: `file://${DATA}`,
      FERRY_DATASET_SPLIT: JSON.stringify(SPLIT),
      FERRY_HYPERPARAMETERS: JSON.stringify(hyperparameters),
      FERRY_OUTPUT_DIR: join(output, 'out'),
      FERRY_RESULT_PATH: resultPath,
    },
  });
  const parsed = parseTrainingResult(await readFile(resultPath, 'utf8'));
  if (!parsed.ok) throw new Error(parsed.message);
  const path = join(output, 'out', parsed.result.artifact);
  return { result: parsed.result, model: await readFile(path), path };
}

async function labels(model: Buffer, inputs: number[][]): Promise<number[]> {
  const session = await InferenceSession.create(model);
  const outputs = await session.run({
    input: new Tensor('float32', Float32Array.from(inputs.flat()), [inputs.length, 4]),
  });
  return Array.from(outputs.label?.data as BigInt64Array, Number);
}

function accuracy(predicted: number[], expected: number[]): number {
  return predicted.filter((label, index) => label === expected[index]).length / expected.length;
}

/** The model's accuracy, measured with onnxruntime, on the rows whose split `keep` accepts. */
async function accuracyOn(model: Buffer, keep: (split: ReturnType<typeof part>) => boolean) {
  const kept = rows.filter((_, index) => keep(part(index)));
  return accuracy(
    await labels(
      model,
      kept.map((row) => row.x),
    ),
    kept.map((row) => row.y),
  );
}

const NODE_TRAINER = [process.execPath, join(REPO, 'examples', 'iris', 'train.mjs')];
const PYTHON_TRAINER = ['/usr/bin/python3', join(REPO, 'examples', 'iris', 'train.py')];

describe('examples/iris trainers', { timeout: 60_000 }, () => {
  it('train.mjs writes a loadable model whose reported accuracy is its held-out accuracy', async () => {
    const { result, model } = await train(NODE_TRAINER, { C: 1, max_iter: 200 });
    expect(createHash('sha256').update(model).digest('hex')).toBe(result.sha256);
    const measured = await accuracyOn(model, (split) => split !== 'train');
    expect(result.metrics.accuracy).toBeCloseTo(measured, 4);
    expect(measured).toBeGreaterThan(0.9);
    expect(Object.keys(result.metrics).sort()).toEqual(['accuracy', 'f1_macro']);
  });

  it('train.mjs with too few steps scores below the example gate of 0.9', async () => {
    const { result } = await train(NODE_TRAINER, { C: 1, max_iter: 20 });
    expect(result.metrics.accuracy).toBeLessThan(0.9);
  });

  it('train.py writes a loadable model whose reported accuracy is its test accuracy', async () => {
    const { result, model } = await train(PYTHON_TRAINER, { C: 1, max_iter: 200 });
    expect(createHash('sha256').update(model).digest('hex')).toBe(result.sha256);
    const measured = await accuracyOn(model, (split) => split === 'test');
    expect(result.metrics.accuracy).toBeCloseTo(measured, 4);
  });

  it.each([
    ['train.mjs', NODE_TRAINER],
    ['train.py', PYTHON_TRAINER],
  ])('%s records the class names, and ferry serve answers with them', async (_, trainer) => {
    const { path } = await train(trainer, { C: 1, max_iter: 200 });
    const server = await serve(path, { name: 'iris' });
    try {
      const reply = await post(`${server.url}/v2/models/iris/infer`, {
        inputs: [
          {
            name: 'input',
            datatype: 'FP32',
            shape: [2, 4],
            data: [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3],
          },
        ],
        outputs: [{ name: 'probabilities', parameters: { classification: 1 } }],
      });
      expect(reply.status).toBe(200);
      const [output] = (reply.body as { outputs: { data: string[] }[] }).outputs;
      expect(output?.data.map((entry) => entry.split(':').slice(1).join(':'))).toEqual([
        '0:setosa',
        '2:virginica',
      ]);
    } finally {
      await server.close();
    }
  });

  it('both trainers learn the same classifier: they agree on nearly every row', async () => {
    const [node, python] = await Promise.all([
      train(NODE_TRAINER, { C: 1, max_iter: 200 }),
      train(PYTHON_TRAINER, { C: 1, max_iter: 200 }),
    ]);
    const inputs = rows.map((row) => row.x);
    const agreement = accuracy(
      await labels(node.model, inputs),
      await labels(python.model, inputs),
    );
    expect(agreement).toBeGreaterThan(0.95);
    expect(
      accuracy(
        await labels(node.model, inputs),
        rows.map((row) => row.y),
      ),
    ).toBeGreaterThan(0.95);
  });
});
