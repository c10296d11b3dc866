import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimPath, openSource, SourceError } from '../../operator/src/data/source.js';

const IRIS_DIR = join(import.meta.dirname, '..', '..', 'examples', 'iris', 'data');

async function text(stream: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

describe('openSource', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/data.csv') {
        response.writeHead(200, { 'content-type': 'text/csv' });
        response.end('a,b\n1,2\n');
      } else if (request.url === '/flaky') {
        response.writeHead(503).end();
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });

  it('streams file:// sources with their size', async () => {
    const opened = await openSource(pathToFileURL(join(IRIS_DIR, 'iris.csv')).href);
    const body = await text(opened.stream);
    expect(body.startsWith('sepal_length,sepal_width,petal_length,petal_width,species\n')).toBe(
      true,
    );
    expect(opened.size).toBe(Buffer.byteLength(body));
  });

  it('streams http:// sources from a real server', async () => {
    const opened = await openSource(`${base}/data.csv`);
    expect(await text(opened.stream)).toBe('a,b\n1,2\n');
  });

  it.each([
    ['/missing', 'SourceNotFound', false],
    ['/flaky', 'SourceUnreachable', true],
  ])('maps HTTP errors of %s to %s', async (path, reason, retryable) => {
    const error = await openSource(`${base}${path}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ reason, retryable });
  });

  it('treats a refused connection as retryable', async () => {
    const error = await openSource('http://127.0.0.1:1/x').catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'SourceUnreachable', retryable: true });
  });

  it('resolves pvc:// through the claim table', async () => {
    const claims = new Map([['ferry-data', IRIS_DIR]]);
    const opened = await openSource('pvc://ferry-data/iris.csv', { claims });
    expect((await text(opened.stream)).split('\n')).toHaveLength(152);
  });

  it.each([
    [
      'an unmounted claim',
      'pvc://other/iris.csv',
      /claim "other" .* is not mounted \(mounted claims: ferry-data\)/,
    ],
    ['a path leaving the claim', 'pvc://ferry-data/../../package.json', /points outside its claim/],
    ['an encoded path leaving the claim', 'pvc://ferry-data/%2e%2e/x', /points outside its claim/],
  ])('refuses %s', (_name, uri, message) => {
    expect(() => claimPath(uri, new Map([['ferry-data', IRIS_DIR]]))).toThrow(message);
  });

  it.each([
    ['a missing file', 'file:///nonexistent/data.csv', 'SourceNotFound'],
    ['a directory', pathToFileURL(IRIS_DIR).href, 'SourceNotFound'],
    ['an unknown scheme', 's3://bucket/key', 'UnsupportedSource'],
  ])('refuses %s', async (_name, uri, reason) => {
    await expect(openSource(uri)).rejects.toMatchObject({ reason, retryable: false });
  });
});
