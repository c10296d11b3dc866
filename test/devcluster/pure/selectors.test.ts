import { describe, expect, it } from 'vitest';
import {
  matchesFields,
  parseFieldSelector,
} from '../../../operator/src/devcluster/select/fields.js';
import {
  matchesLabels,
  parseLabelSelector,
} from '../../../operator/src/devcluster/select/labels.js';

const labels = { app: 'iris', tier: 'gold', 'ferry.dev/model': 'iris' };

describe('label selectors', () => {
  it.each([
    ['', true],
    ['app=iris', true],
    ['app==iris', true],
    ['app=wine', false],
    ['app!=wine', true],
    ['app!=iris', false],
    ['missing!=x', true],
    ['tier in (gold,silver)', true],
    ['tier in (silver)', false],
    ['tier notin (silver, bronze)', true],
    ['tier notin (gold)', false],
    ['missing notin (gold)', true],
    ['missing in (gold)', false],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['ferry.dev/model=iris,tier in (gold),!missing', true],
    ['ferry.dev/model=iris,tier in (gold),missing', false],
  ])('%j matches: %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each(['a b=c', 'app=in valid', '=x'])('rejects %j', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow();
  });
});

describe('field selectors', () => {
  const event = {
    metadata: { name: 'e1', namespace: 'default' },
    involvedObject: { kind: 'Dataset', uid: 'u1' },
  };
  it.each([
    ['metadata.name=e1', true],
    ['metadata.name==e1,metadata.namespace=default', true],
    ['metadata.name!=e1', false],
    ['involvedObject.kind=Dataset,involvedObject.uid=u1', true],
    ['involvedObject.uid=u2', false],
    ['metadata.namespace=', false],
  ])('%j matches: %s', (selector, expected) => {
    expect(matchesFields(parseFieldSelector(selector), event)).toBe(expected);
  });

  it('rejects a term without an operator', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow(/invalid selector/);
  });
});
