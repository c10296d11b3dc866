/**
 * The real kubectl (/usr/bin/kubectl, which picks its binary from /version) against a
 * devcluster, in the order a user would go: CRDs, examples, reads, writes, watches,
 * waits and deletes. "Another client" is @kubernetes/client-node over HTTP.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRDS, eventually, EXAMPLES, startHarness, type Harness } from './helpers.js';

const GROUP = 'ml.ferry.dev';
const VERSION = 'v1alpha1';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

let h: Harness;
let custom: CustomObjectsApi;
let core: CoreV1Api;
let events: EventsV1Api;

interface Dataset {
  metadata: {
    resourceVersion: string;
    generation: number;
    deletionTimestamp?: string;
    uid: string;
  };
}

async function dataset(name: string): Promise<Dataset> {
  return (await custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: 'default',
    plural: 'datasets',
    name,
  })) as Dataset;
}

async function setReady(name: string, status: 'True' | 'False', rows: number): Promise<void> {
  await custom.patchNamespacedCustomObjectStatus(
    {
      group: GROUP,
      version: VERSION,
      namespace: 'default',
      plural: 'datasets',
      name,
      body: {
        status: {
          rows,
          conditions: [
            {
              type: 'Ready',
              status,
              reason: 'Profiled',
              message: 'profiled',
              lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            },
          ],
        },
      },
    },
    merge,
  );
}

beforeAll(async () => {
  h = await startHarness();
  custom = h.cluster.kubeConfig().makeApiClient(CustomObjectsApi);
  core = h.cluster.kubeConfig().makeApiClient(CoreV1Api);
  events = h.cluster.kubeConfig().makeApiClient(EventsV1Api);
});
afterAll(async () => h.stop());

describe('kubectl against devcluster', () => {
  it('reports server version 1.32 to the kubectl dispatcher', async () => {
    const result = await h.kubectl(['version', '-o', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ serverVersion: { major: '1', minor: '32' } });
  });

  it('accepts every CRD in crds/ with apply --dry-run=client', async () => {
    const result = await h.kubectl(['apply', '--dry-run=client', '-f', CRDS]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual([
      'customresourcedefinition.apiextensions.k8s.io/datasets.ml.ferry.dev created (dry run)',
      'customresourcedefinition.apiextensions.k8s.io/driftmonitors.ml.ferry.dev created (dry run)',
      'customresourcedefinition.apiextensions.k8s.io/inferenceservices.ml.ferry.dev created (dry run)',
      'customresourcedefinition.apiextensions.k8s.io/modelversions.ml.ferry.dev created (dry run)',
      'customresourcedefinition.apiextensions.k8s.io/trainingjobs.ml.ferry.dev created (dry run)',
    ]);
  });

  it('applies the CRDs and lists the kinds in api-resources', async () => {
    const applied = await h.kubectl(['apply', '-f', CRDS]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toMatch(/datasets\.ml\.ferry\.dev created/);
    expect(applied.stdout.match(/ created/g)).toHaveLength(5);
    const resources = await h.kubectl(['api-resources', '--api-group=ml.ferry.dev']);
    expect(resources.code).toBe(0);
    const rows = resources.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s+/));
    expect(rows).toEqual([
      ['datasets', 'dset', 'ml.ferry.dev/v1alpha1', 'true', 'Dataset'],
      ['driftmonitors', 'dmon', 'ml.ferry.dev/v1alpha1', 'true', 'DriftMonitor'],
      ['inferenceservices', 'infsvc', 'ml.ferry.dev/v1alpha1', 'true', 'InferenceService'],
      ['modelversions', 'mv', 'ml.ferry.dev/v1alpha1', 'true', 'ModelVersion'],
      ['trainingjobs', 'tjob', 'ml.ferry.dev/v1alpha1', 'true', 'TrainingJob'],
    ]);
    const builtins = await h.kubectl(['api-resources', '-o', 'name']);
    for (const name of [
      'pods',
      'jobs.batch',
      'deployments.apps',
      'leases.coordination.k8s.io',
      'endpointslices.discovery.k8s.io',
      'events.events.k8s.io',
      'customresourcedefinitions.apiextensions.k8s.io',
    ]) {
      expect(builtins.stdout.split('\n')).toContain(name);
    }
  });

  it('applies the examples client-side, and re-applying changes nothing', async () => {
    const first = await h.kubectl(['apply', '-f', EXAMPLES]);
    expect(first.stderr).toBe('');
    expect(first.stdout.match(/ created/g)).toHaveLength(5);
    const versions = async (): Promise<string> =>
      (
        await h.kubectl([
          'get',
          'ferry',
          '-o',
          'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}',
        ])
      ).stdout;
    const before = await versions();
    const again = await h.kubectl(['apply', '-f', EXAMPLES]);
    expect(again.stderr).toBe('');
    // Nothing the server defaults differs from the manifests, so every patch is empty.
    expect(again.stdout.match(/ unchanged/g)).toHaveLength(5);
    expect(await versions()).toBe(before);
  });

  it('applies the examples server-side and records kubectl as an Apply manager', async () => {
    const result = await h.kubectl(['apply', '--server-side', '-f', EXAMPLES]);
    expect(result.stderr).toBe('');
    expect(result.stdout.match(/serverside-applied/g)).toHaveLength(5);
    const yaml = await h.kubectl(['get', 'mv', 'iris-v1', '-o', 'yaml', '--show-managed-fields']);
    expect(yaml.stdout).toMatch(/manager: kubectl\n\s+operation: Apply/);
    expect(yaml.stdout).toMatch(/manager: kubectl-client-side-apply\n\s+operation: Update/);
  });

  it('shows printer columns, -o yaml, -A and -l', async () => {
    const table = await h.kubectl(['get', 'mv']);
    const [header, row] = table.stdout.trim().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual([
      'NAME',
      'MODEL',
      'VERSION',
      'STAGE',
      'METRIC',
      'PROMOTION',
      'BRANCH',
      'READY',
      'AGE',
    ]);
    expect(row).toMatch(/^iris-v1\s+iris\s+1\s+\d+s$/);
    const yaml = await h.kubectl(['get', 'dset', 'iris', '-o', 'yaml']);
    expect(yaml.stdout).toMatch(/^apiVersion: ml.ferry.dev\/v1alpha1\nkind: Dataset\n/);
    expect(yaml.stdout).toMatch(/uri: pvc:\/\/ferry-data\/iris.csv/);
    const all = await h.kubectl(['get', 'infsvc', '-A']);
    expect(all.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+MODEL VERSION/);
    expect(all.stdout).toMatch(/default\s+iris\s+iris-v1/);
    const labelled = await h.kubectl(['get', 'ferry', '-l', 'ferry.dev/model=iris', '-o', 'name']);
    expect(labelled.stdout.trim().split('\n').sort()).toEqual([
      'dataset.ml.ferry.dev/iris',
      'driftmonitor.ml.ferry.dev/iris-inputs',
      'inferenceservice.ml.ferry.dev/iris',
      'modelversion.ml.ferry.dev/iris-v1',
      'trainingjob.ml.ferry.dev/iris-logreg',
    ]);
    const none = await h.kubectl(['get', 'dset', '-l', 'ferry.dev/model in (wine)']);
    expect(none.stderr.trim()).toBe('No resources found in default namespace.');
  });

  it('describes an object with its events', async () => {
    const { metadata } = await dataset('iris');
    await core.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'iris.profiled' },
        involvedObject: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'Dataset',
          name: 'iris',
          namespace: 'default',
          uid: metadata.uid,
        },
        reason: 'Profiled',
        message: 'profiled 150 rows',
        type: 'Normal',
        source: { component: 'ferry-operator' },
        firstTimestamp: new Date(),
        lastTimestamp: new Date(),
        count: 1,
      },
    });
    await events.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: 'iris.drifted' },
        eventTime: new V1MicroTime(Date.now() - 60_000),
        regarding: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'Dataset',
          name: 'iris',
          namespace: 'default',
          uid: metadata.uid,
        },
        reason: 'Stale',
        note: 'source changed upstream',
        type: 'Warning',
        action: 'Check',
        reportingController: 'ferry.dev/operator',
        reportingInstance: 'ferry-operator-0',
      },
    });
    const result = await h.kubectl(['describe', 'dset', 'iris']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /Warning\s+Stale\s+\S+\s+ferry.dev\/operator\s+source changed upstream/,
    );
    expect(result.stdout).toMatch(/^Name:\s+iris\nNamespace:\s+default\n/);
    expect(result.stdout).toMatch(/Kind:\s+Dataset/);
    const section = result.stdout.slice(result.stdout.indexOf('Events:'));
    expect(section).toMatch(/^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n[\s-]+\n/);
    expect(
      section
        .trim()
        .split('\n')
        .slice(3)
        .map((line) => line.trim().split(/\s{2,}/)),
    ).toEqual([
      [
        'Warning',
        'Stale',
        expect.stringMatching(/^\d+s$/),
        'ferry.dev/operator',
        'source changed upstream',
      ],
      [
        'Normal',
        'Profiled',
        expect.stringMatching(/^\d+s$/),
        'ferry-operator',
        'profiled 150 rows',
      ],
    ]);
  });

  it('explains a Ferry kind and one of its fields', async () => {
    const kind = await h.kubectl(['explain', 'inferenceservice']);
    expect(kind.stderr).toBe('');
    expect(kind.stdout).toMatch(/KIND:\s+InferenceService\nVERSION:\s+v1alpha1/);
    expect(kind.stdout).toMatch(/FIELDS:\n\s+apiVersion\s+<string>/);
    const field = await h.kubectl(['explain', 'infsvc.spec.modelVersion']);
    expect(field.stderr).toBe('');
    expect(field.stdout).toMatch(/FIELD: modelVersion <string>/);
  });

  // kube-apiserver's /openapi/v3 describes every field of the built-in kinds, so explain
  // walks into them, marks required fields and refuses a field that does not exist.
  it('explains built-in kinds down to their fields', async () => {
    const spec = await h.kubectl(['explain', 'deployment.spec']);
    expect(spec.stderr).toBe('');
    expect(spec.stdout).toMatch(/GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1/);
    expect(spec.stdout).toMatch(/FIELD: spec <DeploymentSpec>/);
    expect(spec.stdout).toMatch(/replicas\s+<integer>\n\s+Number of desired pods\./);
    expect(spec.stdout).toMatch(/template\s+<PodTemplateSpec> -required-/);
    const image = await h.kubectl(['explain', 'deploy.spec.template.spec.containers.image']);
    expect(image.stderr).toBe('');
    expect(image.stdout).toMatch(/FIELD: image <string>\n+DESCRIPTION:\n\s+Container image name\./);
    const owners = await h.kubectl(['explain', 'configmap.metadata.ownerReferences.uid']);
    expect(owners.stdout).toMatch(/FIELD: uid <string>/);
    const missing = await h.kubectl(['explain', 'deployment.spec.bogus']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('field "bogus" does not exist');
  });

  it('labels, merge-patches spec and patches the status subresource', async () => {
    expect((await h.kubectl(['label', 'dset', 'iris', 'tier=gold'])).stdout.trim()).toBe(
      'dataset.ml.ferry.dev/iris labeled',
    );
    expect((await h.kubectl(['get', 'dset', '-l', 'tier=gold', '-o', 'name'])).stdout.trim()).toBe(
      'dataset.ml.ferry.dev/iris',
    );
    const generation = (await dataset('iris')).metadata.generation;
    const patched = await h.kubectl([
      'patch',
      'dset',
      'iris',
      '--type=merge',
      '-p',
      '{"spec":{"interval":"5m"}}',
    ]);
    expect(patched.stdout.trim()).toBe('dataset.ml.ferry.dev/iris patched');
    expect((await dataset('iris')).metadata.generation).toBe(generation + 1);
    const status = await h.kubectl([
      'patch',
      'dset',
      'iris',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"rows":150,"spec":"ignored"}}',
    ]);
    expect(status.stdout.trim()).toBe('dataset.ml.ferry.dev/iris patched');
    expect((await dataset('iris')).metadata.generation).toBe(generation + 1);
    const row = (await h.kubectl(['get', 'dset', 'iris', '--no-headers'])).stdout;
    expect(row).toMatch(/^iris\s+150\s/);
    const strategic = await h.kubectl([
      'patch',
      'dset',
      'iris',
      '-p',
      '{"spec":{"interval":"6m"}}',
    ]);
    expect(strategic.code).not.toBe(0);
    expect(strategic.stderr).toMatch(/application\/strategic-merge-patch\+json is not supported/);
  });

  it('rejects invalid objects and unknown fields with the reasons kubectl prints', async () => {
    const invalid = `apiVersion: ml.ferry.dev/v1alpha1\nkind: InferenceService\nmetadata:\n  name: broken\nspec:\n  replicas: many\n`;
    const result = await h.kubectl(['apply', '-f', '-'], invalid);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /The InferenceService "broken" is invalid: \n\* spec.modelVersion: Required value\n\* spec.replicas: Invalid value: "many": spec.replicas in body must be of type integer: "string"/,
    );
    const unknown = `apiVersion: ml.ferry.dev/v1alpha1\nkind: ModelVersion\nmetadata:\n  name: odd\nspec:\n  model: iris\n  version: "9"\n  artifact: {uri: "file:///m.onnx", sha256: "${'a'.repeat(64)}"}\n  colour: blue\n`;
    const strict = await h.kubectl(['apply', '-f', '-'], unknown);
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toMatch(/unknown field "spec.colour"/);
  });

  it('get -w prints a new row when the status changes', async () => {
    const watch = h.spawnKubectl(['get', 'dset', 'iris', '-w']);
    await eventually(() => /iris\s+150/.test(watch.output()));
    await setReady('iris', 'False', 151);
    await eventually(() => /iris\s+151\s+False/.test(watch.output()));
    watch.child.kill('SIGTERM');
    await watch.done;
    const lines = watch.output().trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ROWS\s+DIGEST\s+READY\s+AGE$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 2))).toEqual([
      ['iris', '150'],
      ['iris', '151'],
    ]);
  });

  it('wait --for=condition=Ready is satisfied by a status patch from another client', async () => {
    const waiting = h.spawnKubectl(['wait', '--for=condition=Ready', 'dset/iris', '--timeout=20s']);
    await eventually(() => h.cluster.openWatches > 0);
    expect(waiting.child.exitCode).toBeNull();
    await setReady('iris', 'True', 152);
    const result = await waiting.done;
    expect(result.stdout.trim()).toBe('dataset.ml.ferry.dev/iris condition met');
    expect(result.code).toBe(0);
  });

  it('delete waits for a finalizer that another client removes', async () => {
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: 'default',
        plural: 'datasets',
        name: 'iris',
        body: { metadata: { finalizers: ['ml.ferry.dev/finalizer'] } },
      },
      merge,
    );
    const deleting = h.spawnKubectl(['delete', 'dset', 'iris', '--timeout=20s']);
    await eventually(async () => (await dataset('iris')).metadata.deletionTimestamp !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(deleting.child.exitCode).toBeNull();
    const listed = await h.kubectl([
      'get',
      'dset',
      'iris',
      '-o',
      'jsonpath={.metadata.deletionTimestamp}',
    ]);
    expect(listed.stdout).toMatch(/^\d{4}-\d\d-\d\dT/);
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: 'default',
        plural: 'datasets',
        name: 'iris',
        body: [{ op: 'remove', path: '/metadata/finalizers' }],
      },
      jsonPatch,
    );
    const result = await deleting.done;
    expect(result.stdout.trim()).toBe('dataset.ml.ferry.dev "iris" deleted');
    const gone = await h.kubectl(['get', 'dset', 'iris']);
    expect(gone.stderr.trim()).toBe(
      'Error from server (NotFound): datasets.ml.ferry.dev "iris" not found',
    );
  });

  it('deletes without finalizers at once', async () => {
    const result = await h.kubectl(['delete', '-f', `${EXAMPLES}/trainingjob.yaml`]);
    expect(result.stdout.trim()).toBe('trainingjob.ml.ferry.dev "iris-logreg" deleted');
    expect((await h.kubectl(['get', 'tjob'])).stderr.trim()).toBe(
      'No resources found in default namespace.',
    );
  });
});
