export * from './detect.js';
export * from './distribution.js';
export * from './inputs.js';
export * from './methods.js';
export * from './report.js';
