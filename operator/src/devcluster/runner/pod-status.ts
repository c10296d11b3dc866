/** A Pod's status as kubelet writes it, from what the runner knows of its containers. Pure. */
import { conditionsOf, withOwned, type Condition } from './conditions.js';
import { objectsAt, stringAt, type JsonObject } from './json.js';

/** The status fields kubelet owns; everything else in the status is left as it is. */
const OWNED_KEYS = [
  'phase',
  'conditions',
  'hostIP',
  'hostIPs',
  'podIP',
  'podIPs',
  'startTime',
  'containerStatuses',
];
const OWNED_CONDITIONS = ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
export const HOST_IP = '127.0.0.1';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface PodStatusInput {
  /** The status the API server holds now. */
  previous: JsonObject | undefined;
  /** One `containerStatuses` entry per container, in spec order. */
  containerStatuses: JsonObject[];
  phase: PodPhase;
  podIP: string | undefined;
  now: string;
}

/**
 * The whole status to hold: `phase` as given; Ready and ContainersReady True when every
 * container is ready (False with reason PodCompleted once the pod has ended); PodScheduled
 * and Initialized True (the pod is bound to this node and init containers are not run).
 */
export function podStatus(input: PodStatusInput): JsonObject {
  const unready = input.containerStatuses
    .filter((status) => status['ready'] !== true)
    .map((status) => stringAt(status, 'name') ?? '');
  const ended = input.phase === 'Succeeded' || input.phase === 'Failed';
  const ready: Condition = ended
    ? { type: 'Ready', status: 'False', reason: 'PodCompleted' }
    : unready.length === 0
      ? { type: 'Ready', status: 'True' }
      : {
          type: 'Ready',
          status: 'False',
          reason: 'ContainersNotReady',
          message: `containers with unready status: [${unready.join(' ')}]`,
        };
  const conditions = conditionsOf(
    [
      { type: 'Initialized', status: 'True', ...(ended ? { reason: 'PodCompleted' } : {}) },
      ready,
      { ...ready, type: 'ContainersReady' },
      { type: 'PodScheduled', status: 'True' },
    ],
    objectsAt(input.previous, 'conditions'),
    input.now,
  );
  const owned: JsonObject = {
    phase: input.phase,
    conditions,
    hostIP: HOST_IP,
    hostIPs: [{ ip: HOST_IP }],
    ...(input.podIP === undefined ? {} : { podIP: input.podIP, podIPs: [{ ip: input.podIP }] }),
    startTime: stringAt(input.previous, 'startTime') ?? input.now,
    containerStatuses: input.containerStatuses,
  };
  return withOwned(input.previous, owned, OWNED_KEYS, OWNED_CONDITIONS);
}
