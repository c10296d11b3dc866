import { describe, expect, it } from 'vitest';
import { parseTrainingResult } from '../../../operator/src/controllers/training-job/result.js';

const SHA = '9d824ae4eb7a6bfd61e8a857f9442f027d13ee9992b58182793b51b30e229f2e';

describe('parseTrainingResult', () => {
  it('accepts what examples/iris/train.py writes', () => {
    expect(
      parseTrainingResult(
        `{"metrics": {"accuracy": 0.9231, "f1_macro": 0.9048}, "artifact": "model.onnx", "sha256": "${SHA}"}`,
      ),
    ).toEqual({
      ok: true,
      result: {
        metrics: { accuracy: 0.9231, f1_macro: 0.9048 },
        artifact: 'model.onnx',
        sha256: SHA,
      },
    });
  });

  it.each([
    [undefined, 'the container wrote no result to its termination message'],
    ['  ', 'the container wrote no result to its termination message'],
    ['accuracy=0.9', 'the result is not valid JSON'],
    ['[1,2]', 'the result must be a JSON object: "[1,2]"'],
    [
      `{"artifact": "model.onnx", "sha256": "${SHA}"}`,
      '"metrics" must be an object of numbers, got "nothing"',
    ],
    [
      `{"metrics": {"accuracy": "high"}, "artifact": "model.onnx", "sha256": "${SHA}"}`,
      'metric "accuracy" must be a finite number, got "\\"high\\""',
    ],
    [`{"metrics": {}, "sha256": "${SHA}"}`, '"artifact" must be the path of the model file'],
    [
      `{"metrics": {}, "artifact": "../../etc/passwd", "sha256": "${SHA}"}`,
      '"artifact" "../../etc/passwd" must stay inside the output directory',
    ],
    [
      '{"metrics": {}, "artifact": "m.onnx", "sha256": "abc"}',
      '"sha256" must be 64 lower-case hex digits, got "\\"abc\\""',
    ],
    [
      `{"metrics": {}, "artifact": "m.onnx", "sha256": "${SHA}", "pad": "${'x'.repeat(4100)}"}`,
      'probably truncated',
    ],
  ])('rejects %j, quoting what was wrong', (message, expected) => {
    const parsed = parseTrainingResult(message);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toContain(expected);
  });

  it('lists every problem at once', () => {
    const parsed = parseTrainingResult('{"metrics": {"a b": 1}, "artifact": 3}');
    expect(parsed).toEqual({
      ok: false,
      message:
        'the result is incomplete: metric name "a b" is not a valid name; "artifact" must be the path of the model file, got "3"; "sha256" must be 64 lower-case hex digits, got "nothing"',
    });
  });
});
