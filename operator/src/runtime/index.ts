/** Kind-agnostic controller machinery. Nothing here names a Ferry kind. */
export * from './clock.js';
export * from './manual-clock.js';
export * from './rate-limiter.js';
export * from './exponential-failure-rate-limiter.js';
export * from './token-bucket-rate-limiter.js';
export * from './queue-metrics.js';
export * from './work-queue.js';
export * from './delaying-queue.js';
export * from './rate-limiting-queue.js';
export * from './errors.js';
export * from './requeue.js';
export * from './workers.js';
export * from './conditions.js';
export * from './status-changed.js';
export * from './resync.js';
export * from './key.js';
export * from './logger.js';
