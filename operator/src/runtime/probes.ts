/**
 * The operator's HTTP endpoints on one port: `/healthz` (the process is alive),
 * `/readyz` (ready to do its job: caches synced when leading, or standing by), and
 * `/metrics` (Prometheus text format).
 */

import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ProbeServer {
  server: Server;
  /** `host:port` actually bound. */
  address: string;
  close: () => Promise<void>;
}

export async function startProbeServer(options: {
  host: string;
  port: number;
  registry: Registry;
  ready: () => boolean;
  /** More endpoints by exact path, any method; each handler answers its requests itself. */
  routes?: ReadonlyMap<string, RequestListener>;
}): Promise<ProbeServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const route = options.routes?.get(path);
    if (route !== undefined) {
      route(request, response);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz' || path === '/livez') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/readyz') {
      const ready = options.ready();
      response
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ready ? 'ok' : 'not ready');
    } else if (path === '/metrics') {
      options.registry
        .metrics()
        .then((text) => {
          response.writeHead(200, { 'content-type': options.registry.contentType }).end(text);
        })
        .catch((error: unknown) => {
          response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
        });
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const bound = server.address() as AddressInfo;
  return {
    server,
    address: `${bound.address}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
