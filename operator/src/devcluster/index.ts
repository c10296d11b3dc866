/** devcluster's public surface: the API server and the local runner that plays kubelet for it. */
export { DevCluster, type DevClusterOptions } from './server.js';
export {
  startLocalRunner,
  type LocalRunner,
  type LocalRunnerOptions,
  type LocalPod,
  type LocalService,
  type FerryImage,
  type FakeGpus,
} from './runner/runner.js';
export { spawnGuarded, signalGroup, type GuardedSpawnOptions } from './runner/guarded-spawn.js';
