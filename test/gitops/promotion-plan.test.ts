import { describe, expect, it } from 'vitest';
import type { InferenceService, ModelVersion } from '../../operator/src/api/index.js';
import {
  planPromotion,
  type PromotionObserved,
  type Proposal,
} from '../../operator/src/gitops/promotion/plan.js';

function version(
  name: string,
  accuracy: number | undefined,
  options: { ready?: boolean; promotion?: ModelVersion['status'] } = {},
): ModelVersion {
  const ready = options.ready ?? true;
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'ModelVersion',
    metadata: { name, namespace: 'ml' },
    spec: {
      model: 'iris',
      version: name,
      artifact: { uri: `file:///models/${name}.onnx`, sha256: 'a'.repeat(64) },
      metrics: accuracy === undefined ? { f1: 0.5 } : { accuracy },
    },
    status: {
      conditions: ['Validated', 'Ready'].map((type) => ({
        type,
        status: ready ? 'True' : 'False',
        reason: ready ? 'Validated' : 'NotLoadable',
        message: '',
        lastTransitionTime: '2026-11-22T10:00:00Z',
      })),
      ...options.promotion,
    },
  };
}

function service(
  promotion: NonNullable<InferenceService['spec']['promotion']> = {},
  status: InferenceService['status'] = { stableVersion: 'iris-v1' },
  annotations: Record<string, string> = {},
): InferenceService {
  return {
    apiVersion: 'ml.ferry.dev/v1alpha1',
    kind: 'InferenceService',
    metadata: { name: 'iris', namespace: 'ml', annotations },
    spec: { modelVersion: 'iris-v1', promotion: { model: 'iris', ...promotion } },
    status,
  };
}

const open = (branch: string, number = 7): Proposal => ({ branch, state: 'Open', number });

interface Case {
  name: string;
  observed: PromotionObserved;
  opens: string[];
  merges?: number[];
}

const V1 = version('iris-v1', 0.9);
const cases: Case[] = [
  {
    name: 'a better version is proposed',
    observed: {
      service: service(),
      versions: [V1, version('iris-v2', 0.95)],
      proposals: new Map(),
    },
    opens: ['promote ferry/promote/iris/iris-v2 iris-v1→iris-v2'],
  },
  {
    name: 'a tie is not a promotion',
    observed: { service: service(), versions: [V1, version('iris-v2', 0.9)], proposals: new Map() },
    opens: [],
  },
  {
    name: 'a worse version is not proposed',
    observed: {
      service: service(),
      versions: [V1, version('iris-v2', 0.85)],
      proposals: new Map(),
    },
    opens: [],
  },
  {
    name: 'minImprovement: 0.04 better than 0.9 by 0.03 is not enough',
    observed: {
      service: service({ minImprovement: 0.04 }),
      versions: [V1, version('iris-v2', 0.93)],
      proposals: new Map(),
    },
    opens: [],
  },
  {
    name: 'minImprovement: by 0.06 is enough',
    observed: {
      service: service({ minImprovement: 0.04 }),
      versions: [V1, version('iris-v2', 0.96)],
      proposals: new Map(),
    },
    opens: ['promote ferry/promote/iris/iris-v2 iris-v1→iris-v2'],
  },
  {
    name: 'the best of several is proposed',
    observed: {
      service: service(),
      versions: [V1, version('iris-v2', 0.93), version('iris-v3', 0.97), version('iris-v4', 0.95)],
      proposals: new Map(),
    },
    opens: ['promote ferry/promote/iris/iris-v3 iris-v1→iris-v3'],
  },
  {
    name: 'a version that is not Ready is not proposed',
    observed: {
      service: service(),
      versions: [V1, version('iris-v2', 0.99, { ready: false })],
      proposals: new Map(),
    },
    opens: [],
  },
  {
    name: 'a failing promotion gate blocks; the next best that passes is proposed',
    observed: {
      service: service({ gates: [{ metric: 'accuracy', max: 0.96 }] }),
      versions: [V1, version('iris-v2', 0.99), version('iris-v3', 0.95)],
      proposals: new Map(),
    },
    opens: ['promote ferry/promote/iris/iris-v3 iris-v1→iris-v3'],
  },
  {
    name: 'a gate on a metric the version does not report blocks',
    observed: {
      service: service({ gates: [{ metric: 'f1', min: 0.1 }] }),
      versions: [V1, version('iris-v2', 0.99)],
      proposals: new Map(),
    },
    opens: [],
  },
  {
    name: 'an open pull request is not opened again',
    observed: {
      service: service(),
      versions: [V1, version('iris-v2', 0.95)],
      proposals: new Map([['ferry/promote/iris/iris-v2', open('ferry/promote/iris/iris-v2')]]),
    },
    opens: [],
  },
  {
    name: 'a closed pull request is not proposed again, and the next best is',
    observed: {
      service: service(),
      versions: [V1, version('iris-v2', 0.97), version('iris-v3', 0.95)],
      proposals: new Map([
        ['ferry/promote/iris/iris-v2', { branch: 'ferry/promote/iris/iris-v2', state: 'Closed' }],
      ]),
    },
    opens: ['promote ferry/promote/iris/iris-v3 iris-v1→iris-v3'],
  },
  {
    name: 'a version whose status records a closed proposal is not proposed (its branch is gone)',
    observed: {
      service: service(),
      versions: [
        V1,
        version('iris-v2', 0.97, {
          promotion: { promotion: { state: 'Closed', branch: 'ferry/promote/iris/iris-v2' } },
        }),
      ],
      proposals: new Map(),
    },
    opens: [],
  },
  {
    name: 'Manual proposes nothing',
    observed: {
      service: service({ policy: 'Manual' }),
      versions: [V1, version('iris-v2', 0.95)],
      proposals: new Map(),
    },
    opens: [],
  },
  {
    name: 'AutoMerge proposes, like PullRequest',
    observed: {
      service: service({ policy: 'AutoMerge' }),
      versions: [V1, version('iris-v2', 0.95)],
      proposals: new Map(),
    },
    opens: ['promote ferry/promote/iris/iris-v2 iris-v1→iris-v2'],
  },
  {
    name: 'AutoMerge merges its open pull request',
    observed: {
      service: service({ policy: 'AutoMerge' }),
      versions: [V1, version('iris-v2', 0.95)],
      proposals: new Map([['ferry/promote/iris/iris-v2', open('ferry/promote/iris/iris-v2', 12)]]),
    },
    opens: [],
    merges: [12],
  },
  {
    name: 'PullRequest never merges',
    observed: {
      service: service(),
      versions: [V1, version('iris-v2', 0.95)],
      proposals: new Map([['ferry/promote/iris/iris-v2', open('ferry/promote/iris/iris-v2', 12)]]),
    },
    opens: [],
  },
  {
    name: 'a stable version without the metric proposes nothing',
    observed: {
      service: service(),
      versions: [version('iris-v1', undefined), version('iris-v2', 0.95)],
      proposals: new Map(),
    },
    opens: [],
  },
  {
    name: 'the version git declares (a canary in progress) is not proposed',
    observed: {
      service: {
        ...service(),
        spec: { modelVersion: 'iris-v2', promotion: { model: 'iris' } },
      },
      versions: [V1, version('iris-v2', 0.95)],
      proposals: new Map(),
    },
    opens: [],
  },
  {
    name: 'versions of another model are ignored',
    observed: {
      service: service(),
      versions: [
        V1,
        { ...version('wine-v2', 0.99), spec: { ...version('wine-v2', 0.99).spec, model: 'wine' } },
      ],
      proposals: new Map(),
    },
    opens: [],
  },
  {
    name: 'after a rollback of the declared version, a revert to the stable version',
    observed: {
      service: {
        ...service(),
        spec: { modelVersion: 'iris-v2', promotion: { model: 'iris' } },
        status: {
          stableVersion: 'iris-v1',
          lastRollback: {
            version: 'iris-v2',
            reason: 'ErrorRateExceeded',
            message: 'error rate 0.2 > 0.01',
          },
        },
      },
      versions: [V1, version('iris-v2', 0.95)],
      proposals: new Map(),
    },
    opens: ['revert ferry/revert/iris/iris-v2 iris-v2→iris-v1'],
  },
  {
    name: 'a revert is opened once',
    observed: {
      service: {
        ...service(),
        spec: { modelVersion: 'iris-v2' },
        status: { stableVersion: 'iris-v1', lastRollback: { version: 'iris-v2' } },
      },
      versions: [V1],
      proposals: new Map([
        ['ferry/revert/iris/iris-v2', { branch: 'ferry/revert/iris/iris-v2', state: 'Closed' }],
      ]),
    },
    opens: [],
  },
  {
    name: 'no revert once git declares another version',
    observed: {
      service: service({}, { stableVersion: 'iris-v1', lastRollback: { version: 'iris-v2' } }),
      versions: [V1],
      proposals: new Map(),
    },
    opens: [],
  },
  {
    name: 'no revert while a retry of the rolled-back version was asked for',
    observed: {
      service: {
        ...service(
          {},
          { stableVersion: 'iris-v1', lastRollback: { version: 'iris-v2', retry: '1' } },
          {
            'ferry.dev/retry': '2',
          },
        ),
        spec: { modelVersion: 'iris-v2' },
      },
      versions: [V1],
      proposals: new Map(),
    },
    opens: [],
  },
];

describe('planPromotion', () => {
  it.each(cases)('$name', ({ observed, opens, merges = [] }) => {
    const plan = planPromotion(observed);
    expect(
      plan.open.map((intent) => `${intent.kind} ${intent.branch} ${intent.from}→${intent.to}`),
    ).toEqual(opens);
    expect(plan.merge.map((proposal) => proposal.number)).toEqual(merges);
  });

  it('says why each version is not proposed', () => {
    const plan = planPromotion({
      service: service({ minImprovement: 0.01, gates: [{ metric: 'accuracy', min: 0.92 }] }),
      versions: [V1, version('iris-v2', 0.905), version('iris-v3', 0.95, { ready: false })],
      proposals: new Map(),
    });
    expect(
      Object.fromEntries(plan.judgements.map((j) => [j.version.metadata.name, j.reasons])),
    ).toEqual({
      'iris-v2': [
        'accuracy 0.905 is below the minimum 0.92',
        'accuracy 0.905 does not beat the stable 0.9 by more than 0.01',
      ],
      'iris-v3': ['not Ready'],
    });
  });
});
