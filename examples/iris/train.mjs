#!/usr/bin/env node
/**
 * Iris trainer that needs only Node: the training program `ferry up` runs.
 *
 * It follows Ferry's training contract (README, "The training container contract"), as
 * train.py beside it does: it reads the data set named by FERRY_DATASET_URI, splits it as
 * FERRY_DATASET_SPLIT says (the same row hash as train.py, so both train on the same
 * rows), trains a multinomial logistic regression with the hyperparameters in
 * FERRY_HYPERPARAMETERS (`C`, the inverse L2 strength, and `max_iter`, the gradient steps),
 * writes FERRY_OUTPUT_DIR/model.onnx, and reports its metrics, artifact and sha256 as JSON
 * in FERRY_RESULT_PATH (the container's terminationMessagePath). Its metrics are measured
 * on every held-out row (the validation and test splits together); train.py measures on the
 * test split alone.
 *
 * The model is the graph train.py writes (input → MatMul → Add → Softmax / ArgMax), encoded
 * with onnx-proto. Features are standardised while training and the scaling is folded into
 * the weights, so the served model takes raw measurements.
 */
import { Buffer } from 'node:buffer';
import console from 'node:console';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const TARGET = 'species';
const CLASSES = ['setosa', 'versicolor', 'virginica'];
const LEARNING_RATE = 0.5;

function localPath(uri) {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  if (!uri.includes('://')) return uri;
  throw new Error(`cannot read ${uri}: only file:// data is mounted into the container`);
}

/** Which part a row falls in: the first 8 bytes of sha256("seed:index") as a fraction. */
function splitOf(index, split) {
  const digest = createHash('sha256')
    .update(`${split.seed ?? 0}:${index}`)
    .digest();
  const fraction = Number(digest.readBigUInt64BE(0)) / 2 ** 64;
  if (fraction < split.train) return 'train';
  if (fraction < split.train + (split.validation ?? 0)) return 'validation';
  return 'test';
}

function load(text, split) {
  const [header = '', ...lines] = text.trim().split(/\r?\n/);
  const columns = header.split(',');
  const at = (name) => {
    const index = columns.indexOf(name);
    if (index === -1) throw new Error(`the data has no column "${name}"`);
    return index;
  };
  const features = FEATURES.map(at);
  const target = at(TARGET);
  const parts = { train: [], validation: [], test: [] };
  lines.forEach((line, index) => {
    const cells = line.split(',');
    const label = CLASSES.indexOf(cells[target]);
    if (label === -1) throw new Error(`row ${index + 2}: unknown ${TARGET} "${cells[target]}"`);
    parts[splitOf(index, split)].push({
      x: features.map((column) => Number(cells[column])),
      y: label,
    });
  });
  return parts;
}

function softmax(logits) {
  const top = Math.max(...logits);
  const exps = logits.map((value) => Math.exp(value - top));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / sum);
}

/** Full-batch gradient descent on the mean cross-entropy plus ‖W‖² / (2·C·n), as scikit-learn scales it. */
function train(rows, { C, maxIter }) {
  const n = rows.length;
  const d = FEATURES.length;
  const mean = FEATURES.map((_, j) => rows.reduce((sum, row) => sum + row.x[j], 0) / n);
  const scale = FEATURES.map((_, j) => {
    const variance = rows.reduce((sum, row) => sum + (row.x[j] - mean[j]) ** 2, 0) / n;
    return Math.sqrt(variance) || 1;
  });
  const xs = rows.map((row) => row.x.map((value, j) => (value - mean[j]) / scale[j]));
  const weights = FEATURES.map(() => CLASSES.map(() => 0));
  const bias = CLASSES.map(() => 0);
  for (let step = 0; step < maxIter; step++) {
    const gradW = FEATURES.map(() => CLASSES.map(() => 0));
    const gradB = CLASSES.map(() => 0);
    xs.forEach((x, i) => {
      const p = softmax(
        CLASSES.map((_, k) => bias[k] + x.reduce((s, v, j) => s + v * weights[j][k], 0)),
      );
      CLASSES.forEach((_, k) => {
        const error = p[k] - (rows[i].y === k ? 1 : 0);
        gradB[k] += error / n;
        for (let j = 0; j < d; j++) gradW[j][k] += (error * x[j]) / n;
      });
    });
    // The L2 term as a proximal step, stable for any C: w ← (w − η·∇) / (1 + η / (C·n)).
    const shrink = 1 + LEARNING_RATE / (C * n);
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < CLASSES.length; k++) {
        weights[j][k] = (weights[j][k] - LEARNING_RATE * gradW[j][k]) / shrink;
      }
    }
    for (let k = 0; k < CLASSES.length; k++) bias[k] -= LEARNING_RATE * gradB[k];
  }
  // Fold the standardisation in: w' = w / scale, b' = b − Σ mean·w / scale.
  const raw = weights.map((row, j) => row.map((w) => w / scale[j]));
  const rawBias = bias.map((b, k) => b - FEATURES.reduce((s, _, j) => s + mean[j] * raw[j][k], 0));
  return { weights: raw, bias: rawBias };
}

function predict(model, x) {
  const logits = CLASSES.map(
    (_, k) => model.bias[k] + x.reduce((s, v, j) => s + v * model.weights[j][k], 0),
  );
  return logits.indexOf(Math.max(...logits));
}

function metricsOf(model, rows) {
  const predicted = rows.map((row) => predict(model, row.x));
  const accuracy = rows.filter((row, i) => predicted[i] === row.y).length / rows.length;
  const f1s = CLASSES.map((_, k) => {
    const tp = rows.filter((row, i) => row.y === k && predicted[i] === k).length;
    const fp = rows.filter((row, i) => row.y !== k && predicted[i] === k).length;
    const fn = rows.filter((row, i) => row.y === k && predicted[i] !== k).length;
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  const round = (value) => Math.round(value * 10_000) / 10_000;
  return {
    accuracy: round(accuracy),
    f1_macro: round(f1s.reduce((a, b) => a + b, 0) / f1s.length),
  };
}

function tensor(name, dims, values) {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values };
}

function valueInfo(name, elemType, dims) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: dims.map((dim) => (typeof dim === 'string' ? { dimParam: dim } : { dimValue: dim })),
        },
      },
    },
  };
}

/** The ONNX model: probabilities = softmax(input·W + b), label = argmax; class names in its metadata. */
function toOnnx(model) {
  const { FLOAT, INT64 } = onnx.TensorProto.DataType;
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'ferry-iris-example',
    opsetImport: [{ domain: '', version: 13 }],
    metadataProps: [{ key: 'classes', value: JSON.stringify(CLASSES) }],
    graph: {
      name: 'iris_logistic_regression',
      node: [
        { opType: 'MatMul', input: ['input', 'weights'], output: ['logits_unbiased'] },
        { opType: 'Add', input: ['logits_unbiased', 'bias'], output: ['logits'] },
        {
          opType: 'Softmax',
          input: ['logits'],
          output: ['probabilities'],
          attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
        },
        {
          opType: 'ArgMax',
          input: ['logits'],
          output: ['label'],
          attribute: [
            { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
            { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
          ],
        },
      ],
      initializer: [
        tensor('weights', [FEATURES.length, CLASSES.length], model.weights.flat()),
        tensor('bias', [CLASSES.length], model.bias),
      ],
      input: [valueInfo('input', FLOAT, ['batch', FEATURES.length])],
      output: [
        valueInfo('probabilities', FLOAT, ['batch', CLASSES.length]),
        valueInfo('label', INT64, ['batch']),
      ],
    },
  });
  return Buffer.from(onnx.ModelProto.encode(proto).finish());
}

async function main() {
  const env = process.env;
  if (env.FERRY_DATASET_URI === undefined) throw new Error('FERRY_DATASET_URI is not set');
  const split = JSON.parse(
    env.FERRY_DATASET_SPLIT ?? '{"train":0.8,"validation":0.1,"test":0.1,"seed":0}',
  );
  const hyperparameters = JSON.parse(env.FERRY_HYPERPARAMETERS ?? '{}');
  const outputDir = env.FERRY_OUTPUT_DIR ?? '.';
  const resultPath = env.FERRY_RESULT_PATH ?? '/dev/termination-log';

  const parts = load(await readFile(localPath(env.FERRY_DATASET_URI), 'utf8'), split);
  const C = Number(hyperparameters.C ?? 1);
  const maxIter = Math.trunc(Number(hyperparameters.max_iter ?? 200));
  if (!(C > 0) || !(maxIter > 0))
    throw new Error(`C and max_iter must be positive, got ${C} and ${maxIter}`);
  console.log(`training on ${parts.train.length} rows with C=${C}, max_iter=${maxIter}`);
  const model = train(parts.train, { C, maxIter });
  const heldOut = [...parts.validation, ...parts.test];
  const evaluated = heldOut.length > 0 ? heldOut : parts.train;
  const artifact = toOnnx(model);
  await mkdir(outputDir, { recursive: true });
  await writeFile(join(outputDir, 'model.onnx'), artifact);
  const result = {
    metrics: metricsOf(model, evaluated),
    artifact: 'model.onnx',
    sha256: createHash('sha256').update(artifact).digest('hex'),
  };
  await writeFile(resultPath, JSON.stringify(result));
  console.log(JSON.stringify(result));
}

main().catch((error) => {
  console.error(`train.mjs: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
