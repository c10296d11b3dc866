/**
 * Real models for the serving tests: test/fixtures/models/build.py writes them (numpy + onnx
 * from Debian's python3-onnx), and the iris example model is used as committed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ModelServer, type ServeOptions } from '../../operator/src/serving/http/server.js';
import { loadModel } from '../../operator/src/serving/model.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const IRIS = join(ROOT, 'examples', 'iris', 'models', 'v1', 'model.onnx');
export const IRIS_SHA256 = '9d824ae4eb7a6bfd61e8a857f9442f027d13ee9992b58182793b51b30e229f2e';
/** Debian's python with numpy and onnx (the pyenv one first on PATH has neither). */
export const PYTHON = '/usr/bin/python3';
const BUILD = join(ROOT, 'test', 'fixtures', 'models', 'build.py');

export type ModelName = 'pair' | 'dtypes' | 'strings' | 'fixed' | 'gather' | 'mlp' | 'slow';

export interface BuiltModels {
  readonly dir: string;
  path(name: ModelName): string;
  remove(): Promise<void>;
}

/** Builds the named models into a fresh temporary directory. */
export async function buildModels(...names: ModelName[]): Promise<BuiltModels> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-models-'));
  await promisify(execFile)(PYTHON, [BUILD, dir, ...names]);
  return {
    dir,
    path: (name) => join(dir, `${name}.onnx`),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface RunningServer {
  readonly url: string;
  readonly server: ModelServer;
  close(): Promise<void>;
}

/** Loads `model` and serves it in-process on 127.0.0.1 at a free port. */
export async function serve(
  model: string,
  options: Partial<ServeOptions> = {},
): Promise<RunningServer> {
  const loaded = await loadModel(model);
  const server = new ModelServer(loaded, {
    name: 'model',
    version: '1',
    maxBatchSize: 32,
    maxBatchDelayMs: 0,
    maxQueue: 256,
    ...options,
  });
  const url = await server.listen(0, '127.0.0.1');
  return {
    url,
    server,
    close: async () => {
      await server.drain();
      await loaded.session.release();
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

/** POSTs `body` (serialised unless a string) and parses the JSON reply. */
export async function post(url: string, body: unknown): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

export async function get(url: string): Promise<Reply> {
  const response = await fetch(url);
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json') ?? false;
  return { status: response.status, body: json ? (JSON.parse(text) as unknown) : text };
}

/** An iris infer request for `rows` (each four floats). */
export function irisRequest(rows: readonly (readonly number[])[], id?: string): object {
  const inputs = [{ name: 'input', datatype: 'FP32', shape: [rows.length, 4], data: rows }];
  return id === undefined ? { inputs } : { id, inputs };
}
