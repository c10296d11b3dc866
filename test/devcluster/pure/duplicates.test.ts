/**
 * Duplicate JSON keys, which a real API server's strict decoder reports as
 * `duplicate field "<path>"` with paths like `spec.containers[0].name`.
 */
import { describe, expect, it } from 'vitest';
import { duplicateFields } from '../../../operator/src/devcluster/core/duplicates.js';

describe('duplicate fields', () => {
  it.each([
    ['{"a":1,"b":2}', []],
    ['{"a":1,"a":2}', ['a']],
    ['{"spec":{"replicas":1,"replicas":2}}', ['spec.replicas']],
    ['{"spec":{"containers":[{"name":"a"},{"name":"b","name":"c"}]}}', ['spec.containers[1].name']],
    ['{"a":"x\\"y","a":{"b":[1,2,{"c":true,"c":null}]}}', ['a', 'a.b[2].c']],
    [' { "k" : "v" , "k" : "w" } ', ['k']],
    ['{"a":', []],
  ])('%s has %j', (text, expected) => {
    expect(duplicateFields(text)).toEqual(expected);
  });
});
