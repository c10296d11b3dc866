/**
 * The health rules for Argo CD (Lua, run by Debian's lua5.4) and Flux (CEL, run by
 * @marcbachmann/cel-js configured as Flux configures cel-go), on objects a real
 * `ferry operator` wrote to a devcluster: each sample is read back from the API server,
 * and both rules must say what a person looking at it would.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Environment } from '@marcbachmann/cel-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KindConditions } from '../../operator/src/api/conditions.js';
import type { Condition } from '../../operator/src/api/index.js';
import { FerryResources } from '../../operator/src/controllers/resources.js';
import { collectionPath, type Resource } from '../../operator/src/runtime/resource.js';
import { REPO, type TestCluster } from '../support/cluster.js';
import {
  createFerry,
  ferryWhen,
  findCondition,
  IRIS_DATA,
  IRIS_V1_SHA,
  NS,
  registerIrisV1,
  startFerryCluster,
  submitTrainingJob,
  trainingJobIn,
} from '../support/ferry.js';
import { jobOf, runPod, setJobStatus, type Api } from '../support/kubelet.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';

const HEALTH = join(REPO, 'charts', 'ferry', 'health');
const LUA_SCRIPT = join(HEALTH, 'argocd.lua');
const run = promisify(execFile);
const KINDS = Object.values(FerryResources)
  .map((resource) => resource.kind)
  .sort();

type ArgoHealth = 'Healthy' | 'Progressing' | 'Degraded';
type FluxStatus = 'Current' | 'InProgress' | 'Failed';
interface Sample {
  object: { kind: string; metadata: { generation?: number }; status?: unknown };
  argo: ArgoHealth;
  /** undefined: the expressions cannot be evaluated yet, and Flux waits. */
  flux: FluxStatus | undefined;
}

/** A JSON value as a Lua table constructor, as Argo CD hands objects to its scripts. */
function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string')
    return JSON.stringify(value).replaceAll(/\\u([0-9a-f]{4})/gi, '\\u{$1}');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(', ')}}`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([key, item]) => `[${JSON.stringify(key)}] = ${luaLiteral(item)}`,
  );
  return `{${entries.join(', ')}}`;
}

/** Runs argocd.lua on `object` with lua5.4, as Argo CD runs it: `obj` global, `hs` returned. */
async function argoHealth(object: unknown): Promise<{ status: string; message: string }> {
  const harness = `obj = ${luaLiteral(object)}
local check = assert(loadfile(${JSON.stringify(LUA_SCRIPT)}))
local hs = check()
io.write(hs.status, "\\n", hs.message or "", "\\n")`;
  const child = run('lua5.4', ['-'], { encoding: 'utf8' });
  child.child.stdin?.end(harness);
  const [status = '', message = ''] = (await child).stdout.split('\n');
  return { status, message };
}

interface HealthCheckExprs {
  apiVersion: string;
  kind: string;
  inProgress: string;
  failed: string;
  current: string;
}

/**
 * Flux's evaluation: InProgress while status.observedGeneration differs from
 * metadata.generation, then inProgress, failed and current in that order, the first that
 * is true wins, InProgress when none is; an expression that cannot be evaluated is an
 * error, and Flux polls again. Its CEL environment parses without declarations, with
 * optional types and homogeneous literals, as cel-js's options here do.
 */
function fluxStatus(exprs: HealthCheckExprs, object: Sample['object']): FluxStatus | undefined {
  const status = object.status as { observedGeneration?: number } | undefined;
  const generation = object.metadata.generation;
  if (status?.observedGeneration !== undefined && status.observedGeneration !== generation)
    return 'InProgress';
  const env = new Environment({
    unlistedVariablesAreDyn: true,
    homogeneousAggregateLiterals: true,
    enableOptionalTypes: true,
  });
  const order = [
    [exprs.inProgress, 'InProgress'],
    [exprs.failed, 'Failed'],
    [exprs.current, 'Current'],
  ] as const;
  try {
    for (const [expression, result] of order) {
      if (env.evaluate(expression, object) === true) return result;
    }
  } catch {
    return undefined;
  }
  return 'InProgress';
}

describe('health rules for Argo CD and Flux', { timeout: 90_000 }, () => {
  let cluster: TestCluster;
  let api: Api;
  let operator: OperatorProcess;
  const samples = new Map<string, Sample>();

  const read = async (resource: Resource, name: string) =>
    (await api.request('GET', `${collectionPath(resource, NS)}/${name}`)) as Sample['object'];
  const sample = async (
    what: string,
    resource: Resource,
    name: string,
    settled: (conditions: Condition[]) => boolean,
    expected: Omit<Sample, 'object'>,
  ) => {
    await ferryWhen<{ status?: { conditions?: Condition[] } }>(
      cluster,
      resource,
      name,
      (current) => settled(current.status?.conditions ?? []),
      30_000,
      what,
    );
    samples.set(what, { object: await read(resource, name), ...expected });
  };
  const has = (type: string, status: string) => (conditions: Condition[]) =>
    conditions.some((condition) => condition.type === type && condition.status === status);

  beforeAll(async () => {
    let kubeconfig: string;
    ({ cluster, api, kubeconfig } = await startFerryCluster());
    operator = await startOperator(kubeconfig, [
      '--leader-elect=false',
      '--claim',
      `ferry-data=${IRIS_DATA}`,
      '--claim',
      `ferry-models=${join(REPO, 'examples', 'iris', 'models')}`,
    ]);
    const dataset = (name: string, sha256?: string) =>
      createFerry(
        api,
        FerryResources.dataset,
        { name },
        {
          source: { uri: 'pvc://ferry-data/iris.csv', ...(sha256 === undefined ? {} : { sha256 }) },
        },
      );

    await dataset('iris');
    await sample(
      'a Dataset read and profiled',
      FerryResources.dataset,
      'iris',
      has('Ready', 'True'),
      {
        argo: 'Healthy',
        flux: 'Current',
      },
    );
    await dataset('pinned', '0'.repeat(64));
    await sample(
      'a Dataset whose digest differs from its pin',
      FerryResources.dataset,
      'pinned',
      has('Stalled', 'True'),
      {
        argo: 'Degraded',
        flux: 'Failed',
      },
    );
    const edited = (await api.request(
      'PATCH',
      `${collectionPath(FerryResources.dataset, NS)}/iris`,
      { spec: { interval: '5m' } },
      'application/merge-patch+json',
    )) as Sample['object'];
    samples.set('a Dataset edited, not yet reconciled', {
      object: edited,
      argo: 'Progressing',
      flux: 'InProgress',
    });

    await submitTrainingJob(api, 'orphan', { datasetRef: { name: 'absent' } });
    await sample(
      'a TrainingJob whose Dataset does not exist',
      FerryResources.trainingJob,
      'orphan',
      has('Ready', 'False'),
      {
        argo: 'Progressing',
        flux: 'InProgress',
      },
    );
    await submitTrainingJob(api, 'training');
    const job = await jobOf(api, NS, 'training-1');
    await runPod(api, job, 'training-abcde', { phase: 'Running' });
    await setJobStatus(api, job, { active: 1, startTime: new Date().toISOString() });
    await trainingJobIn(cluster, 'training', 'Running', 30_000);
    samples.set('a TrainingJob running', {
      object: await read(FerryResources.trainingJob, 'training'),
      argo: 'Progressing',
      flux: 'InProgress',
    });

    await registerIrisV1(api);
    await sample(
      'a ModelVersion validated',
      FerryResources.modelVersion,
      'iris-v1',
      has('Ready', 'True'),
      {
        argo: 'Healthy',
        flux: 'Current',
      },
    );
    await createFerry(
      api,
      FerryResources.modelVersion,
      { name: 'gated' },
      {
        model: 'iris',
        version: 'gated',
        artifact: {
          uri: 'pvc://ferry-models/v1/model.onnx',
          sha256: IRIS_V1_SHA,
        },
        metrics: { accuracy: 0.5 },
        gates: [{ metric: 'accuracy', min: 0.9 }],
      },
    );
    await sample(
      'a ModelVersion that fails its gates',
      FerryResources.modelVersion,
      'gated',
      has('Rejected', 'True'),
      {
        argo: 'Degraded',
        flux: 'Failed',
      },
    );

    await createFerry(
      api,
      FerryResources.inferenceService,
      { name: 'missing' },
      { modelVersion: 'iris-v9', replicas: 1 },
    );
    await sample(
      'an InferenceService whose version does not exist (Stalled)',
      FerryResources.inferenceService,
      'missing',
      has('Ready', 'False'),
      {
        argo: 'Degraded',
        flux: 'Failed',
      },
    );
    await createFerry(
      api,
      FerryResources.inferenceService,
      { name: 'refused' },
      { modelVersion: 'gated', replicas: 1 },
    );
    await sample(
      'an InferenceService declaring a rejected version',
      FerryResources.inferenceService,
      'refused',
      has('Degraded', 'True'),
      {
        argo: 'Degraded',
        flux: 'Failed',
      },
    );

    const created = (await api.request('POST', collectionPath(FerryResources.driftMonitor, NS), {
      apiVersion: 'ml.ferry.dev/v1alpha1',
      kind: 'DriftMonitor',
      metadata: { name: 'fresh' },
      spec: { inferenceServiceRef: { name: 'refused' }, baselineRef: { name: 'iris' } },
    })) as Sample['object'];
    samples.set('a DriftMonitor just created', {
      object: created,
      argo: 'Progressing',
      flux: undefined,
    });
  }, 90_000);

  afterAll(async () => {
    await operator.stop();
    await cluster.stop();
  });

  it('Argo CD: every sample as a person would read it', async () => {
    const seen: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const [what, { object, argo }] of samples) {
      seen[what] = (await argoHealth(object)).status;
      expected[what] = argo;
    }
    expect(seen).toEqual(expected);
  });

  it('Argo CD: the message quotes the condition that decided', async () => {
    const stalled = samples.get('a Dataset whose digest differs from its pin');
    const health = await argoHealth(stalled?.object);
    const condition = findCondition(
      stalled?.object as { status?: { conditions?: Condition[] } },
      'Stalled',
    );
    expect(health.message).toBe(`Stalled ${condition?.reason ?? ''}: ${condition?.message ?? ''}`);
  });

  it('Argo CD: a drifted monitor stays Healthy, saying what drifted', async () => {
    const drifted = {
      apiVersion: 'ml.ferry.dev/v1alpha1',
      kind: 'DriftMonitor',
      metadata: { name: 'iris-inputs', generation: 1 },
      status: {
        observedGeneration: 1,
        conditions: [
          { type: 'Ready', status: 'True', reason: 'Evaluated', message: '300 rows from 2 pods' },
          {
            type: 'Drifted',
            status: 'True',
            reason: 'DriftDetected',
            message: 'petal_length (ks p=1.2e-9)',
          },
        ],
      },
    };
    expect(await argoHealth(drifted)).toEqual({
      status: 'Healthy',
      message: 'Drifted DriftDetected: petal_length (ks p=1.2e-9)',
    });
  });

  it('Flux: every kind has the same expressions, and every sample as a person would read it', async () => {
    const kustomization = parse(
      await readFile(join(HEALTH, 'flux-kustomization.yaml'), 'utf8'),
    ) as {
      spec: { healthCheckExprs: HealthCheckExprs[] };
    };
    const checks = kustomization.spec.healthCheckExprs;
    expect(checks.map((check) => check.kind).sort()).toEqual(KINDS);
    for (const check of checks) {
      expect(check.apiVersion).toBe('ml.ferry.dev/v1alpha1');
      expect({ ...check, kind: '' }).toEqual({ ...checks[0], kind: '' });
    }
    const seen: Record<string, string | undefined> = {};
    const expected: Record<string, string | undefined> = {};
    for (const [what, { object, flux }] of samples) {
      const check = checks.find((candidate) => candidate.kind === object.kind);
      if (check === undefined) throw new Error(`no health check for ${object.kind}`);
      seen[what] = fluxStatus(check, object);
      expected[what] = flux;
    }
    expect(seen).toEqual(expected);
  });

  it('both read every condition type the kinds write', async () => {
    const lua = await readFile(LUA_SCRIPT, 'utf8');
    const flux = await readFile(join(HEALTH, 'flux-kustomization.yaml'), 'utf8');
    const types = new Set(
      Object.values(KindConditions).flatMap((docs) => docs.map((doc) => doc.type)),
    );
    // Validated=False comes with Rejected=True, which both rules read.
    types.delete('Validated');
    for (const type of types) {
      expect(lua, `argocd.lua reads ${type}`).toContain(`"${type}"`);
      // Drifted is a finding about live data, never a fault: Flux, which has no message
      // to show it in, ignores it, so a drifted monitor does not hold a Kustomization.
      if (type !== 'Drifted')
        expect(flux, `flux-kustomization.yaml reads ${type}`).toContain(`'${type}'`);
    }
  });

  it('ships one script for the five kinds in the argocd-cm patch', async () => {
    const lua = await readFile(LUA_SCRIPT, 'utf8');
    const patch = parse(await readFile(join(HEALTH, 'argocd-cm.yaml'), 'utf8')) as {
      data: Record<string, string>;
    };
    expect(Object.keys(patch.data).sort()).toEqual(
      KINDS.map((kind) => `resource.customizations.health.ml.ferry.dev_${kind}`).sort(),
    );
    for (const script of Object.values(patch.data)) expect(script).toBe(lua);
  });
});
