import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, ModelLoadError } from '../../operator/src/serving/model.js';
import { IRIS, IRIS_SHA256, ROOT } from './models.js';

let server: Server;
let base: string;
beforeAll(async () => {
  const bytes = await readFile(IRIS);
  server = createServer((request, response) => {
    if (request.url === '/models/iris.onnx') response.end(bytes);
    else response.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('loadModel', () => {
  it('loads over http(s), from a file:// URL and from a path relative to cwd, digest checked', async () => {
    for (const [where, options] of [
      [`${base}/models/iris.onnx`, { sha256: IRIS_SHA256 }],
      [`file://${IRIS}`, { sha256: IRIS_SHA256.toUpperCase() }],
      [relative(ROOT, IRIS), { cwd: ROOT }],
    ] as const) {
      const model = await loadModel(where, options);
      expect(model.sha256).toBe(IRIS_SHA256);
      expect(model.bytes).toBeGreaterThan(0);
      expect(model.loadSeconds).toBeGreaterThan(0);
      expect(model.signature.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 4] }]);
      await model.session.release();
    }
  });

  it('says why it cannot load: unreachable, digest mismatch', async () => {
    const missing = loadModel(`${base}/models/missing.onnx`);
    await expect(missing).rejects.toThrow(ModelLoadError);
    await expect(missing).rejects.toMatchObject({
      reason: 'unreadable',
      message: `cannot fetch ${base}/models/missing.onnx: HTTP 404 Not Found`,
    });
    await expect(
      loadModel(`${base}/models/iris.onnx`, { sha256: 'f'.repeat(64) }),
    ).rejects.toMatchObject({
      reason: 'digest',
      message: `sha256 mismatch for ${base}/models/iris.onnx: expected ${'f'.repeat(64)}, got ${IRIS_SHA256}; refusing to load it`,
    });
  });
});
