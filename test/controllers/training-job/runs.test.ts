import { describe, expect, it } from 'vitest';
import type {
  TrainingJob,
  TrainingJobSpec,
  TrainingJobStatus,
  TrainingRun,
} from '../../../operator/src/api/index.js';
import { planRuns, type RunsInput } from '../../../operator/src/controllers/training-job/runs.js';
import { trainingJob } from './fixtures.js';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);

/** A finished or running run of generation 1 on D1, covering the 09:00 schedule time. */
function run(id: number, phase: TrainingRun['phase'], extra: Partial<TrainingRun> = {}) {
  const started = phase !== 'Pending' && phase !== 'Queued';
  return {
    id,
    trigger: 'Created',
    generation: 1,
    phase,
    ...(started ? { jobName: `iris-logreg-${id}`, datasetDigest: D1 } : {}),
    ...extra,
  } satisfies TrainingRun;
}

interface Case {
  name: string;
  spec?: Partial<TrainingJobSpec>;
  generation?: number;
  annotation?: string;
  status?: TrainingJobStatus;
  datasetDigest?: string;
  jobRuns?: TrainingRun[];
  highestRegisteredRun?: number;
  nowMs?: number;
  /** id → phase (and reason) of every run the status keeps. */
  runs: Record<number, string>;
  /** The new run's trigger, when one is requested. */
  trigger?: string;
  startable: number[];
  deleteJobs?: string[];
}

function input(c: Case): RunsInput {
  const base = trainingJob(c.spec ?? {});
  const object: TrainingJob = {
    ...base,
    metadata: {
      ...base.metadata,
      generation: c.generation ?? 1,
      ...(c.annotation === undefined ? {} : { annotations: { 'ferry.dev/run': c.annotation } }),
    },
    ...(c.status === undefined ? {} : { status: c.status }),
  };
  return {
    trainingJob: object,
    datasetDigest: c.datasetDigest ?? D1,
    jobRuns: c.jobRuns ?? [],
    highestRegisteredRun: c.highestRegisteredRun ?? 0,
    nowMs: c.nowMs ?? NOW,
  };
}

/** Plans the case and checks its runs, the new run's trigger, the slots and the deletions. */
function expectPlan(c: Case): void {
  const plan = planRuns(input(c));
  expect(Object.fromEntries(plan.runs.map((r) => [r.id, r.phase]))).toEqual(c.runs);
  const added = plan.runs.find((r) => !(c.status?.runs ?? []).some((k) => k.id === r.id));
  expect(added?.trigger).toBe(c.trigger);
  expect([...plan.startable]).toEqual(c.startable);
  expect(plan.deleteJobs).toEqual(c.deleteJobs ?? []);
}

const done = (runs: TrainingRun[], lastRun = runs.at(-1)?.id ?? 0): TrainingJobStatus => ({
  runs,
  lastRun,
});
const hourly = { schedule: '0 * * * *' };
const scheduled = (phase: TrainingRun['phase']) =>
  run(1, phase, { scheduleTime: '2026-11-22T09:00:00.000Z' });

describe('planRuns: what starts a run', () => {
  it.each<Case>([
    {
      name: 'a new TrainingJob starts run 1',
      runs: { 1: 'Pending' },
      trigger: 'Created',
      startable: [1],
    },
    {
      name: 'nothing new: no run',
      status: done([run(1, 'Succeeded')]),
      runs: { 1: 'Succeeded' },
      startable: [],
    },
    {
      name: 'a new generation starts a run',
      generation: 2,
      status: done([run(1, 'Succeeded')]),
      runs: { 1: 'Succeeded', 2: 'Pending' },
      trigger: 'SpecChange',
      startable: [2],
    },
    {
      name: 'a new digest starts a run with retrainOn DatasetChange',
      spec: { retrainOn: ['DatasetChange'] },
      datasetDigest: D2,
      status: done([run(1, 'Succeeded')]),
      runs: { 1: 'Succeeded', 2: 'Pending' },
      trigger: 'DatasetChange',
      startable: [2],
    },
    {
      name: 'a new digest starts nothing without retrainOn',
      datasetDigest: D2,
      status: done([run(1, 'Succeeded')]),
      runs: { 1: 'Succeeded' },
      startable: [],
    },
    {
      name: 'the schedule fires at its next time',
      spec: hourly,
      nowMs: Date.parse('2026-11-22T10:00:00Z'),
      status: done([scheduled('Succeeded')]),
      runs: { 1: 'Succeeded', 2: 'Pending' },
      trigger: 'Schedule',
      startable: [2],
    },
    {
      name: 'the schedule does not fire before its time',
      spec: hourly,
      nowMs: Date.parse('2026-11-22T09:59:59Z'),
      status: done([scheduled('Succeeded')]),
      runs: { 1: 'Succeeded' },
      startable: [],
    },
    {
      name: 'a new ferry.dev/run value starts a run',
      annotation: 'please',
      status: done([run(1, 'Succeeded')]),
      runs: { 1: 'Succeeded', 2: 'Pending' },
      trigger: 'Manual',
      startable: [2],
    },
    {
      name: 'the ferry.dev/run value a run covers starts nothing',
      annotation: 'please',
      status: done([run(1, 'Succeeded', { request: 'please' })]),
      runs: { 1: 'Succeeded' },
      startable: [],
    },
    {
      name: 'triggers that arrive together make one run, named after the first',
      generation: 2,
      annotation: 'please',
      spec: { retrainOn: ['DatasetChange'], ...hourly },
      datasetDigest: D2,
      status: done([scheduled('Succeeded')]),
      runs: { 1: 'Succeeded', 2: 'Pending' },
      trigger: 'SpecChange',
      startable: [2],
    },
    {
      name: 'a number is never reused: ids continue after a namesake registered run 7',
      highestRegisteredRun: 7,
      runs: { 8: 'Pending' },
      trigger: 'Created',
      startable: [8],
    },
    {
      name: 'a pruned run number is never reused (status.lastRun)',
      generation: 2,
      status: done([run(4, 'Succeeded')], 9),
      runs: { 4: 'Succeeded', 10: 'Pending' },
      trigger: 'SpecChange',
      startable: [10],
    },
  ])('$name', expectPlan);

  it('records what the new run covers, so planning again starts nothing more', () => {
    const c: Case = {
      name: 'again',
      generation: 3,
      annotation: 'x',
      spec: hourly,
      runs: {},
      startable: [],
    };
    const first = planRuns(input(c));
    expect(first.runs).toEqual([
      {
        id: 1,
        trigger: 'Created',
        generation: 3,
        scheduleTime: '2026-11-22T10:00:00.000Z',
        request: 'x',
        phase: 'Pending',
        reason: 'Requested',
        message: 'run 1 requested (Created)',
        queuedTime: '2026-11-22T10:00:00.000Z',
      },
    ]);
    expect(first.nextScheduleMs).toBe(Date.parse('2026-11-22T11:00:00Z'));
    const again = planRuns({
      ...input(c),
      trainingJob: {
        ...input(c).trainingJob,
        status: { runs: first.runs, lastRun: first.lastRun },
      },
    });
    expect(again.runs).toEqual(first.runs);
    expect(again.lastRun).toBe(1);
  });

  it('takes back a run whose Job exists though the status lost it, and starts no other', () => {
    const plan = planRuns(
      input({
        name: 'recovered',
        generation: 2,
        status: done([run(1, 'Succeeded')]),
        jobRuns: [run(1, 'Admitted'), run(2, 'Admitted', { trigger: 'SpecChange', generation: 2 })],
        runs: {},
        startable: [],
      }),
    );
    expect(plan.runs.map((r) => [r.id, r.phase, r.trigger])).toEqual([
      [1, 'Succeeded', 'Created'],
      [2, 'Admitted', 'SpecChange'],
    ]);
    expect(plan.lastRun).toBe(2);
    expect([...plan.startable]).toEqual([]);
  });

  it('reports a schedule it cannot read, and still plans the other triggers', () => {
    const plan = planRuns(
      input({
        name: 'bad',
        generation: 2,
        spec: { schedule: '0 * * * *', timeZone: 'Nowhere/Atlantis' },
        status: done([run(1, 'Succeeded')]),
        runs: {},
        startable: [],
      }),
    );
    expect(plan.scheduleProblem).toMatch(
      /^spec.timeZone "Nowhere\/Atlantis" is not an IANA time zone/,
    );
    expect(plan.runs.map((r) => r.trigger)).toEqual(['Created', 'SpecChange']);
  });
});

describe('planRuns: concurrency and history', () => {
  it.each<Case>([
    {
      name: 'Forbid: a new run waits while one runs',
      generation: 2,
      status: done([run(1, 'Running')]),
      runs: { 1: 'Running', 2: 'Queued' },
      trigger: 'SpecChange',
      startable: [],
    },
    {
      name: 'Forbid: a newer run supersedes a queued older one',
      generation: 2,
      annotation: 'again',
      status: done([run(1, 'Running'), run(2, 'Queued', { trigger: 'SpecChange', generation: 2 })]),
      runs: { 1: 'Running', 2: 'Superseded', 3: 'Queued' },
      trigger: 'Manual',
      startable: [],
    },
    {
      name: 'Forbid: the queued run starts once the running one finished',
      generation: 2,
      status: done([
        run(1, 'Succeeded'),
        run(2, 'Queued', { trigger: 'SpecChange', generation: 2 }),
      ]),
      runs: { 1: 'Succeeded', 2: 'Queued' },
      startable: [2],
    },
    {
      name: 'a newer run supersedes one that waits for its Dataset',
      generation: 2,
      status: done([run(1, 'Pending')]),
      runs: { 1: 'Superseded', 2: 'Pending' },
      trigger: 'SpecChange',
      startable: [2],
    },
    {
      name: 'Replace: the running run is stopped and its Job deleted',
      generation: 2,
      spec: { concurrencyPolicy: 'Replace' },
      status: done([run(1, 'Running')]),
      jobRuns: [run(1, 'Admitted')],
      runs: { 1: 'Stopped', 2: 'Pending' },
      trigger: 'SpecChange',
      startable: [2],
      deleteJobs: ['iris-logreg-1'],
    },
    {
      name: 'concurrency 2: a second run starts beside the first',
      generation: 2,
      spec: { concurrency: 2 },
      status: done([run(1, 'Running')]),
      runs: { 1: 'Running', 2: 'Pending' },
      trigger: 'SpecChange',
      startable: [2],
    },
    {
      name: 'concurrency 2, Replace: the oldest of two running runs is stopped for a third',
      generation: 3,
      spec: { concurrency: 2, concurrencyPolicy: 'Replace' },
      status: done([run(1, 'Running'), run(2, 'Running', { generation: 2 })]),
      runs: { 1: 'Stopped', 2: 'Running', 3: 'Pending' },
      trigger: 'SpecChange',
      startable: [3],
    },
    {
      name: 'runsHistoryLimit prunes the oldest finished runs and their Jobs',
      generation: 4,
      spec: { runsHistoryLimit: 2 },
      status: done([
        run(1, 'Succeeded'),
        run(2, 'Failed', { generation: 2 }),
        run(3, 'Succeeded', { generation: 3 }),
      ]),
      jobRuns: [run(1, 'Admitted'), run(2, 'Admitted'), run(3, 'Admitted')],
      runs: { 2: 'Failed', 3: 'Succeeded', 4: 'Pending' },
      trigger: 'SpecChange',
      startable: [4],
      deleteJobs: ['iris-logreg-1'],
    },
  ])('$name', expectPlan);

  it('says what a queued run waits for', () => {
    const plan = planRuns(
      input({
        name: 'waits',
        generation: 2,
        status: done([run(1, 'Running')]),
        runs: {},
        startable: [],
      }),
    );
    expect(plan.runs[1]).toMatchObject({
      reason: 'WaitingForRun',
      message: 'run 2 waits for run 1 to finish (concurrency 1, concurrencyPolicy Forbid)',
    });
  });

  it('follows a TrainingJob from before runs as run 0, with its ModelVersion name', () => {
    const legacy: TrainingJobStatus = {
      observedGeneration: 1,
      phase: 'Succeeded',
      jobName: 'iris-logreg',
      modelVersion: 'iris-logreg',
      metrics: { accuracy: 0.9 },
    };
    const same = planRuns(input({ name: 'legacy', status: legacy, runs: {}, startable: [] }));
    expect(same.runs).toEqual([
      {
        id: 0,
        trigger: 'Created',
        generation: 1,
        phase: 'Succeeded',
        reason: 'Succeeded',
        jobName: 'iris-logreg',
        metrics: { accuracy: 0.9 },
        modelVersion: 'iris-logreg',
      },
    ]);
    const changed = planRuns(
      input({ name: 'legacy', generation: 2, status: legacy, runs: {}, startable: [] }),
    );
    expect(changed.runs.map((r) => [r.id, r.trigger])).toEqual([
      [0, 'Created'],
      [1, 'SpecChange'],
    ]);
  });
});
