import { describe, expect, it } from 'vitest';
import { humanDuration } from '../../../operator/src/devcluster/table/duration.js';
import { evaluate, parseJsonPath } from '../../../operator/src/devcluster/table/jsonpath.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('humanDuration (kubectl ages)', () => {
  it.each([
    [-3 * SECOND, '<invalid>'],
    [-1500, '0s'],
    [0, '0s'],
    [59 * SECOND, '59s'],
    [119 * SECOND, '119s'],
    [2 * MINUTE, '2m'],
    [2 * MINUTE + 5 * SECOND, '2m5s'],
    [9 * MINUTE + 59 * SECOND, '9m59s'],
    [10 * MINUTE + 30 * SECOND, '10m'],
    [179 * MINUTE, '179m'],
    [3 * HOUR, '3h'],
    [3 * HOUR + 25 * MINUTE, '3h25m'],
    [8 * HOUR + 25 * MINUTE, '8h'],
    [47 * HOUR, '47h'],
    [2 * DAY, '2d'],
    [3 * DAY + 5 * HOUR, '3d5h'],
    [8 * DAY + 5 * HOUR, '8d'],
    [729 * DAY, '729d'],
    [730 * DAY, '2y'],
    [800 * DAY, '2y70d'],
    [9 * 365 * DAY, '9y'],
  ])('%d ms reads %s', (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });
});

describe('printer-column JSONPath', () => {
  const object = {
    metadata: { name: 'iris', labels: { a: 'b' } },
    spec: { steps: [{ weight: 10 }, { weight: 50 }] },
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Drifted', status: 'False' },
      ],
    },
  };
  it.each([
    ['.metadata.name', ['iris']],
    ['{.metadata.name}', ['iris']],
    ['.spec.steps[1].weight', [50]],
    ['.spec.steps[-1].weight', [50]],
    ['.spec.steps[*].weight', [10, 50]],
    ['.status.conditions[?(@.type=="Ready")].status', ['True']],
    [".status.conditions[?(@.type=='Drifted')].status", ['False']],
    ['.status.conditions[?(@.type!="Ready")].type', ['Drifted']],
    ['.metadata.labels.a', ['b']],
    [".metadata.labels['a']", ['b']],
    ['.status.missing', []],
    ['.spec.steps[5].weight', []],
  ])('%s selects %j', (path, expected) => {
    expect(evaluate(parseJsonPath(path), object)).toEqual(expected);
  });

  it.each(['.spec[', 'spec', '.a[?(@.x ~ 1)]'])('rejects %j', (path) => {
    expect(() => parseJsonPath(path)).toThrow();
  });
});
