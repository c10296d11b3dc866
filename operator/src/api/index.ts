export * from './common.js';
export * from './crd.js';
export * from './group.js';
export * from './kind.js';
export * from './kinds/index.js';
export * from './meta.js';
export * from './schema.js';
export * from './duration.js';
