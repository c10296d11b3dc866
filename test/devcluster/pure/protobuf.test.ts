/**
 * Protobuf request bodies, decoded with the real k8s.io/api descriptions embedded in the
 * machine's kubectl. A real kube-apiserver accepts protobuf for every built-in kind and
 * stores the same object it would store for the JSON form.
 */
import { describe, expect, it } from 'vitest';
import { decodeProtobuf } from '../../../operator/src/devcluster/protobuf/decode.js';

/** Request bodies captured from kubectl 1.32's typed creates. */
const CAPTURED = {
  configmap:
    '6b3873000a0f0a0276311209436f6e6669674d617012240a1a0a03636d7812001a0764656661756c7422002a0032003800420012060a01611201621a002200',
  secret:
    '6b3873000a0c0a0276311206536563726574121e0a120a02737812001a0022002a0032003800420012060a016b1201761a001a002200',
  namespace:
    '6b3873000a0f0a02763112094e616d657370616365121b0a130a036e737812001a0022002a0032003800420012001a020a001a002200',
  /** kubectl create deployment web --image=nginx --port=80 */
  deployment:
    '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b8010a1f0a0377656212001a0022002a003200380042005a0a0a0361707012037765621286010801120c0a0a0a0361707012037765621a6c0a1c0a0012001a0022002a003200380042005a0a0a036170701203776562124c122e0a056e67696e7812056e67696e782a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200',
  /** kubectl create deployment zero --image=nginx --replicas=0 */
  zeroReplicas:
    '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412af010a210a047a65726f12001a0022002a003200380042005a0b0a0361707012047a65726f127c0800120d0a0b0a0361707012047a65726f1a610a1d0a0012001a0022002a003200380042005a0b0a0361707012047a65726f124012220a056e67696e7812056e67696e782a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200',
  /** kubectl create service clusterip s1 --tcp=80:8080 */
  service:
    '6b3873000a0d0a02763112075365727669636512660a1d0a02733112001a0022002a003200380042005a090a036170701202733112410a1b0a0738302d38303830120354435018502207080010903f1a00280012090a03617070120273311a002209436c757374657249503a00420052005a00600068001a020a001a002200',
  /** kubectl create job j1 --image=busybox -- sleep 1 */
  job: '6b3873000a0f0a0862617463682f763112034a6f621284010a120a026a3112001a0022002a00320038004200126432620a100a0012001a0022002a00320038004200124e122b0a026a31120762757379626f781a05736c6565701a01312a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200',
};

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

describe('Kubernetes protobuf request bodies', () => {
  it('decodes a ConfigMap, a Secret (data as base64) and a Namespace', () => {
    expect(decodeProtobuf(bytes(CAPTURED.configmap))).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cmx', namespace: 'default' },
      data: { a: 'b' },
    });
    expect(decodeProtobuf(bytes(CAPTURED.secret))).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sx' },
      data: { k: 'dg==' },
    });
    expect(decodeProtobuf(bytes(CAPTURED.namespace))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'nsx' },
      spec: {},
      status: {},
    });
  });

  it('decodes a Deployment with its maps, lists and nested messages', () => {
    expect(decodeProtobuf(bytes(CAPTURED.deployment))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              { name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} },
            ],
          },
        },
        strategy: {},
      },
      status: {},
    });
  });

  it('keeps a zero that was set in a pointer field, and drops zeros of fields held by value', () => {
    // Go writes a pointer field (DeploymentSpec.replicas is *int32) only when it is set, and
    // encoding/json keeps a set pointer's zero value: a real server stores replicas 0. The
    // by-value zeros on the wire (minReadySeconds, paused) are omitted as omitempty does.
    const spec = decodeProtobuf(bytes(CAPTURED.zeroReplicas))['spec'] as Record<string, unknown>;
    expect(spec['replicas']).toBe(0);
    expect(spec).not.toHaveProperty('minReadySeconds');
    expect(spec).not.toHaveProperty('paused');
  });

  it('decodes a Service, with an IntOrString targetPort as a number', () => {
    const service = decodeProtobuf(bytes(CAPTURED.service));
    expect(service['spec']).toEqual({
      ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }],
      selector: { app: 's1' },
      type: 'ClusterIP',
    });
  });

  it('decodes a Job', () => {
    const job = decodeProtobuf(bytes(CAPTURED.job));
    expect(job['spec']).toEqual({
      template: {
        metadata: {},
        spec: {
          containers: [{ name: 'j1', image: 'busybox', command: ['sleep', '1'], resources: {} }],
          restartPolicy: 'Never',
        },
      },
    });
  });

  it('answers 415 for a body without the envelope or of a kind no description defines', () => {
    const field = (number: number, value: Uint8Array): Buffer =>
      Buffer.concat([Buffer.from([(number << 3) | 2, value.length]), value]);
    const typeMeta = Buffer.concat([field(1, Buffer.from('v9')), field(2, Buffer.from('Nothing'))]);
    const unknown = Buffer.concat([Buffer.from('k8s\0', 'latin1'), field(1, typeMeta)]);
    expect(() => decodeProtobuf(unknown)).toThrow(/unknown format/);
    expect(() => decodeProtobuf(Buffer.from('{"kind":"ConfigMap"}'))).toThrow(/unknown format/);
    expect(() => decodeProtobuf(bytes(CAPTURED.configmap.slice(0, 40)))).toThrow();
  });
});
