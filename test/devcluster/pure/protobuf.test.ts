import { describe, expect, it } from 'vitest';
import { decodeProtobuf } from '../../../operator/src/devcluster/protobuf/decode.js';

/** Request bodies captured from `kubectl create configmap|secret|namespace` (kubectl 1.32). */
const CAPTURED = {
  configmap:
    '6b3873000a0f0a0276311209436f6e6669674d617012240a1a0a03636d7812001a0764656661756c7422002a0032003800420012060a01611201621a002200',
  secret:
    '6b3873000a0c0a0276311206536563726574121e0a120a02737812001a0022002a0032003800420012060a016b1201761a001a002200',
  namespace:
    '6b3873000a0f0a02763112094e616d657370616365121b0a130a036e737812001a0022002a0032003800420012001a020a001a002200',
};

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

describe('Kubernetes protobuf request bodies', () => {
  it('decodes a ConfigMap', () => {
    expect(decodeProtobuf(bytes(CAPTURED.configmap))).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cmx', namespace: 'default' },
      data: { a: 'b' },
    });
  });
  it('decodes a Secret, with data as base64 and type defaulted', () => {
    expect(decodeProtobuf(bytes(CAPTURED.secret))).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sx' },
      data: { k: 'dg==' },
      type: 'Opaque',
    });
  });
  it('decodes a Namespace', () => {
    expect(decodeProtobuf(bytes(CAPTURED.namespace))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'nsx' },
    });
  });
  it('refuses other kinds with 415 and truncated bodies with an error', () => {
    const field = (number: number, value: Uint8Array): Buffer =>
      Buffer.concat([Buffer.from([(number << 3) | 2, value.length]), value]);
    const typeMeta = Buffer.concat([
      field(1, Buffer.from('apps/v1')),
      field(2, Buffer.from('Deployment')),
    ]);
    const deployment = Buffer.concat([Buffer.from('k8s\0', 'latin1'), field(1, typeMeta)]);
    expect(() => decodeProtobuf(deployment)).toThrow(/not apps\/v1 Deployment/);
    expect(() => decodeProtobuf(bytes(CAPTURED.configmap.slice(0, 40)))).toThrow();
  });
});
