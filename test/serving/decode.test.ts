import { describe, expect, it } from 'vitest';
import {
  BadRequestError,
  decodeInferRequest,
  parseJson,
} from '../../operator/src/serving/decode.js';
import { signatureOf, type ModelSignature } from '../../operator/src/serving/signature.js';

/** The iris model's signature, as onnxruntime reports it (checked against the real model in server.test.ts). */
const IRIS: ModelSignature = signatureOf(
  [{ name: 'input', isTensor: true, type: 'float32', shape: ['batch', 4] }],
  [
    { name: 'probabilities', isTensor: true, type: 'float32', shape: ['batch', 3] },
    { name: 'label', isTensor: true, type: 'int64', shape: ['batch'] },
  ],
);

const TYPES: ModelSignature = signatureOf(
  [
    { name: 'f64', isTensor: true, type: 'float64', shape: ['n', 2] },
    { name: 'i32', isTensor: true, type: 'int32', shape: ['n', 2] },
    { name: 'i64', isTensor: true, type: 'int64', shape: ['n', 2] },
    { name: 'flag', isTensor: true, type: 'bool', shape: ['n', 2] },
    { name: 'text', isTensor: true, type: 'string', shape: ['n'] },
    { name: 'half', isTensor: true, type: 'float16', shape: [1] },
  ],
  [{ name: 'y', isTensor: true, type: 'float32', shape: [] }],
);

/** TYPES with just its input number `index`. */
const only = (index: number): ModelSignature => ({
  ...TYPES,
  inputs: TYPES.inputs.slice(index, index + 1),
});

const input = (overrides: object): object => ({
  inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4], ...overrides }],
});

describe('decodeInferRequest', () => {
  it('decodes flat and nested data to the same row-major buffer', () => {
    const flat = decodeInferRequest(input({ shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8] }), IRIS);
    const nested = decodeInferRequest(
      input({
        shape: [2, 4],
        data: [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ],
      }),
      IRIS,
    );
    expect(flat.inputs[0]?.data).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(nested.inputs[0]).toEqual(flat.inputs[0]);
    expect(flat.inputs[0]?.shape).toEqual([2, 4]);
  });

  it('keeps id, ignores parameters, and returns every output unless asked for some', () => {
    const all = decodeInferRequest(
      { id: 'r1', parameters: { x: 1 }, ...input({ parameters: {} }) },
      IRIS,
    );
    expect(all.id).toBe('r1');
    expect(all.outputs).toEqual(['probabilities', 'label']);
    const some = decodeInferRequest(
      { ...input({}), outputs: [{ name: 'label', parameters: { binary_data: false } }] },
      IRIS,
    );
    expect(some.outputs).toEqual(['label']);
    expect('id' in some).toBe(false);
  });

  it('decodes every supported datatype into the buffer onnxruntime takes', () => {
    const request = decodeInferRequest(
      {
        inputs: [
          { name: 'f64', datatype: 'FP64', shape: [1, 2], data: [0.1, -2] },
          { name: 'i32', datatype: 'INT32', shape: [1, 2], data: [-2147483648, 2147483647] },
          { name: 'i64', datatype: 'INT64', shape: [1, 2], data: [[9007199254740991, -3]] },
          { name: 'flag', datatype: 'BOOL', shape: [1, 2], data: [true, false] },
          { name: 'text', datatype: 'BYTES', shape: [1], data: ['héllo'] },
        ],
      },
      { ...TYPES, inputs: TYPES.inputs.slice(0, 5) },
    );
    expect(request.inputs.map((tensor) => tensor.data)).toEqual([
      Float64Array.from([0.1, -2]),
      Int32Array.from([-2147483648, 2147483647]),
      BigInt64Array.from([9007199254740991n, -3n]),
      Uint8Array.from([1, 0]),
      ['héllo'],
    ]);
  });

  // Each bad request with the exact message a client sees.
  const bad: [string, unknown, string, ModelSignature?][] = [
    ['not an object', [1, 2], 'request body must be a JSON object'],
    ['no inputs', {}, '"inputs" must be an array of tensors'],
    ['id not a string', { id: 7, inputs: [] }, '"id" must be a string, got 7'],
    [
      'input not an object',
      { inputs: [3] },
      'inputs[0] must be an object with "name", "datatype", "shape" and "data"',
    ],
    [
      'input without name',
      { inputs: [{ datatype: 'FP32' }] },
      'inputs[0]: "name" must be a string',
    ],
    [
      'unknown input',
      { inputs: [{ name: 'x' }] },
      'unknown input "x": the model\'s inputs are "input"',
    ],
    [
      'duplicate input',
      { inputs: [{ name: 'input' }, { name: 'input' }] },
      'input "input" appears more than once',
    ],
    ['missing input', { inputs: [] }, 'missing input "input": expected FP32 [-1,4]'],
    [
      'datatype missing',
      input({ datatype: undefined }),
      'input "input": "datatype" must be a string such as "FP32"',
    ],
    [
      'wrong datatype',
      input({ datatype: 'FP64' }),
      'input "input": expected datatype FP32, got FP64',
    ],
    [
      'shape not an array',
      input({ shape: '1,4' }),
      'input "input": "shape" must be an array of non-negative integers, got "1,4"',
    ],
    [
      'negative dim',
      input({ shape: [-1, 4] }),
      'input "input": "shape" must be an array of non-negative integers, got [-1,4]',
    ],
    [
      'fractional dim',
      input({ shape: [1.5, 4] }),
      'input "input": "shape" must be an array of non-negative integers, got [1.5,4]',
    ],
    ['wrong rank', input({ shape: [4] }), 'input "input": expected shape [-1,4], got [4]'],
    [
      'wrong static dim',
      input({ shape: [1, 3], data: [1, 2, 3] }),
      'input "input": expected shape [-1,4], got [1,3]',
    ],
    ['data not an array', input({ data: 'abcd' }), 'input "input": "data" must be an array'],
    [
      'too little data',
      input({ shape: [2, 4] }),
      'input "input": shape [2,4] needs 8 elements, data has 4',
    ],
    [
      'too much data',
      input({ data: [1, 2, 3, 4, 5] }),
      'input "input": shape [1,4] needs 4 elements, data has 5',
    ],
    [
      'nested too deep',
      input({ data: [[[1, 2, 3, 4]]] }),
      'input "input": "data" is nested deeper than its shape [1,4]',
    ],
    [
      'string in FP32',
      input({ data: [1, 2, 'x', 4] }),
      'input "input": data[2] is "x", expected a number within ±3.4028235e38 for FP32',
    ],
    [
      'FP32 overflow',
      input({ data: [1, 2, 3, -1e39] }),
      'input "input": data[3] is -1e+39, expected a number within ±3.4028235e38 for FP32',
    ],
    [
      'null in FP32',
      input({ data: [1, null, 3, 4] }),
      'input "input": data[1] is null, expected a number within ±3.4028235e38 for FP32',
    ],
    [
      'object in FP32',
      input({ data: [1, 2, 3, { v: 'a very long value that gets cut short' }] }),
      'input "input": data[3] is {"v":"a very long value that gets cut..., expected a number within ±3.4028235e38 for FP32',
    ],
    [
      'outputs not an array',
      { ...input({}), outputs: 'label' },
      '"outputs" must be an array of {"name": ...} objects',
    ],
    [
      'output without name',
      { ...input({}), outputs: [{}] },
      'outputs[0] must be an object with a string "name"',
    ],
    [
      'unknown output',
      { ...input({}), outputs: [{ name: 'proba' }] },
      'unknown output "proba": the model\'s outputs are "probabilities", "label"',
    ],
    [
      'fraction in INT32',
      { inputs: [{ name: 'i32', datatype: 'INT32', shape: [1, 2], data: [1, 1.5] }] },
      'input "i32": data[1] is 1.5, expected an integer from -2147483648 to 2147483647 for INT32',
      only(1),
    ],
    [
      'INT32 overflow',
      { inputs: [{ name: 'i32', datatype: 'INT32', shape: [1, 2], data: [1, 2147483648] }] },
      'input "i32": data[1] is 2147483648, expected an integer from -2147483648 to 2147483647 for INT32',
      only(1),
    ],
    [
      'INT64 beyond 2^53',
      { inputs: [{ name: 'i64', datatype: 'INT64', shape: [1, 2], data: [1, 9007199254740992] }] },
      'input "i64": data[1] is 9007199254740992, expected an integer from -9007199254740991 to 9007199254740991 for INT64',
      only(2),
    ],
    [
      'number in BOOL',
      { inputs: [{ name: 'flag', datatype: 'BOOL', shape: [1, 2], data: [1, 0] }] },
      'input "flag": data[0] is 1, expected true or false for BOOL',
      only(3),
    ],
    [
      'number in BYTES',
      { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: [5] }] },
      'input "text": data[0] is 5, expected a string for BYTES',
      only(4),
    ],
    [
      'undecodable model datatype',
      { inputs: [{ name: 'half', datatype: 'FP16', shape: [1], data: [1] }] },
      'input "half": datatype FP16 is not supported by this server',
      only(5),
    ],
  ];
  it.each(bad)('rejects %s', (_case, body, message, signature = IRIS) => {
    expect(() => decodeInferRequest(body, signature)).toThrow(new BadRequestError(message));
  });
});

describe('parseJson', () => {
  it('names malformed JSON as such', () => {
    expect(() => parseJson('{"inputs": [')).toThrow(/^malformed JSON: /);
    expect(() => parseJson('')).toThrow(/^malformed JSON: /);
    expect(parseJson('{"a":1}')).toEqual({ a: 1 });
  });
});
