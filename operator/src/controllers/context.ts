/** What every controller is given: the API client, the shared caches, events, and time. */

import type { Clock } from '../runtime/clock.js';
import type { KubeClient } from '../runtime/client.js';
import type { EventRecorder } from '../runtime/events.js';
import type { Manager } from '../runtime/manager.js';

export interface ControllerContext {
  client: KubeClient;
  manager: Manager;
  recorder: EventRecorder;
  clock: Clock;
  /** Field manager for server-side apply. */
  fieldManager: string;
}
