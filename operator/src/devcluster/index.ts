/** devcluster's public surface: the server and its options. Nothing else is exported. */
export { DevCluster, type DevClusterOptions } from './server.js';
