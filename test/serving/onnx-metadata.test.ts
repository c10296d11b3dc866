/** Reading a model's metadata_props and the class names a trainer records there. */
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { classNamesOf, onnxMetadata } from '../../operator/src/serving/onnx-metadata.js';

const { onnx } = onnxProto;

/** A ModelProto with a graph before and after its metadata, as onnx-proto encodes it. */
function encoded(entries: Record<string, string>): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'test',
      graph: {
        name: 'g',
        initializer: [{ name: 'w', dims: [3], floatData: [1, 2, 3], dataType: 1 }],
      },
      metadataProps: Object.entries(entries).map(([key, value]) => ({ key, value })),
      opsetImport: [{ domain: '', version: 13 }],
    }),
  ).finish();
}

describe('onnxMetadata', () => {
  it('reads every entry and skips every other field', () => {
    expect(onnxMetadata(encoded({ classes: '["a","b"]', author: 'me' }))).toEqual(
      new Map([
        ['classes', '["a","b"]'],
        ['author', 'me'],
      ]),
    );
    expect(onnxMetadata(encoded({}))).toEqual(new Map());
  });

  it('throws on bytes that are not a protobuf message', () => {
    expect(() => onnxMetadata(encoded({ classes: '[]' }).slice(0, 9))).toThrow(RangeError);
  });
});

describe('classNamesOf', () => {
  it.each<[string, Record<string, string>, string[] | undefined]>([
    ['a JSON array of names', { classes: '["setosa","versicolor"]' }, ['setosa', 'versicolor']],
    ['no classes entry', { other: '["a"]' }, undefined],
    ['not JSON', { classes: 'setosa,versicolor' }, undefined],
    ['not an array', { classes: '{"0":"setosa"}' }, undefined],
    ['an empty array', { classes: '[]' }, undefined],
    ['a number among the names', { classes: '["a",1]' }, undefined],
    ['an empty name', { classes: '["a",""]' }, undefined],
  ])('%s', (_, entries, names) => {
    expect(classNamesOf(new Map(Object.entries(entries)))).toEqual(names);
  });
});
