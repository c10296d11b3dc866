import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildModels,
  get,
  IRIS,
  IRIS_SHA256,
  irisRequest,
  post,
  ROOT,
  type BuiltModels,
} from './models.js';
import { MODEL_SERVER_NODE_OPTIONS } from '../../operator/src/serving/node-options.js';

const CLI = join(ROOT, 'dist', 'cli', 'main.js');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Spawned {
  child: ChildProcess;
  exited: Promise<Exit>;
}

/** How Node itself is started: flags before the script, and variables such as NODE_OPTIONS. */
interface NodeStart {
  flags?: string[];
  env?: Record<string, string>;
}

function spawnCli(args: string[], node: NodeStart = {}): Spawned {
  const child = spawn(process.execPath, [...(node.flags ?? []), CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...node.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      // Let the pipes flush what they hold.
      setImmediate(() => {
        resolve({ code, signal, stdout, stderr });
      });
    });
  });
  return { child, exited };
}

/** Starts `ferry serve` on a free port and resolves once it prints its `serving …` line. */
async function startServe(
  args: string[],
  node: NodeStart = {},
): Promise<Spawned & { url: string; line: string }> {
  const spawned = spawnCli(['serve', '--port', '0', ...args], node);
  const line = await new Promise<string>((resolve, reject) => {
    let seen = '';
    spawned.child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      // Node's own output (--trace-gc) may come first.
      const serving = /^serving .*$/m.exec(seen)?.[0];
      if (serving !== undefined) resolve(serving);
    });
    void spawned.exited.then((exit) => {
      reject(new Error(`ferry serve exited early: ${JSON.stringify(exit)}`));
    });
  });
  const url = /on (http:\/\/\S+)/.exec(line)?.[1] ?? '';
  return { ...spawned, url, line };
}

/** One request through `agent` (GET without a body, else POST). */
function send(agent: Agent, url: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { agent, method: body === undefined ? 'GET' : 'POST' },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body: text });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

let models: BuiltModels;
let scratch: string;
beforeAll(async () => {
  models = await buildModels('slow');
  scratch = await mkdtemp(join(tmpdir(), 'ferry-serve-cli-'));
});
afterAll(async () => {
  await models.remove();
  await rm(scratch, { recursive: true, force: true });
});

describe('ferry serve', () => {
  it('answers clients that keep sending a large refused body, before cutting them', async () => {
    // A body refused early is left unread and its connection closed; closed at once, a client
    // still writing could fail with EPIPE or ECONNRESET before it read the 400. Each of these
    // must read it, whatever fails after.
    const server = await startServe(['--model', IRIS, '--name', 'iris']);
    const body = '['.repeat(1024 * 1024);
    const infer = `${server.url}/v2/models/iris/infer`;
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const viaHttp = (): Promise<string> =>
      new Promise((resolve) => {
        const outgoing = request(infer, { agent, method: 'POST' }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => {
            resolve(`${response.statusCode ?? 0} ${response.headers.connection ?? ''} ${text}`);
          });
        });
        outgoing.on('error', (error: NodeJS.ErrnoException) => {
          resolve(error.code ?? error.message);
        });
        outgoing.end(body);
      });
    const viaFetch = async (): Promise<string> => {
      try {
        const response = await fetch(infer, { method: 'POST', body });
        return `${response.status} ${response.headers.get('connection') ?? ''} ${await response.text()}`;
      } catch (error) {
        return String((error as Error & { cause?: Error }).cause?.message ?? error);
      }
    };
    try {
      const answers: string[] = [];
      const caller = async (send: () => Promise<string>): Promise<void> => {
        for (let i = 0; i < 100; i++) answers.push(await send());
      };
      await Promise.all(
        [viaHttp, viaHttp, viaHttp, viaHttp, viaHttp, viaHttp, viaFetch, viaFetch].map(caller),
      );
      const refused =
        '400 close {"error":"request body nests arrays and objects deeper than the 64-level limit"}';
      expect(new Set(answers)).toEqual(new Set([refused]));
    } finally {
      agent.destroy();
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
    }
  });

  it('started as a serving pod starts it, collects garbage once, 5 s after the last inference', async () => {
    // --trace-gc prints each collection; the ones `gc()` runs give "testing" as their reason.
    const server = await startServe(['--model', IRIS, '--name', 'iris'], {
      flags: ['--trace-gc'],
      env: { NODE_OPTIONS: MODEL_SERVER_NODE_OPTIONS },
    });
    let trace = '';
    server.child.stdout?.on('data', (chunk: Buffer) => (trace += chunk.toString()));
    const collections = (): number => trace.split('\n').filter((l) => /\btesting;/.test(l)).length;
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      for (let i = 0; i < 20; i++) {
        const reply = await post(`${server.url}/v2/models/iris/infer`, irisRequest([[5, 3, 1, 0]]));
        expect(reply.status).toBe(200);
      }
      const last = performance.now();
      while (collections() === 0 && performance.now() - last < 15_000) await sleep(100);
      expect(collections()).toBe(1);
      expect(performance.now() - last).toBeGreaterThanOrEqual(4_900);
      // Probes and scrapes are not load: they set off no further collection.
      for (const path of ['/v2/health/ready', '/v2/health/live', '/metrics']) {
        expect((await get(`${server.url}${path}`)).status).toBe(200);
      }
      await sleep(6_000);
      expect(collections()).toBe(1);
    } finally {
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
    }
  });

  it('verifies the digest, prints where it serves, and serves', async () => {
    const server = await startServe([
      '--model',
      pathToFileURL(IRIS).href,
      '--sha256',
      IRIS_SHA256.toUpperCase(),
      '--name',
      'iris',
      '--version',
      '3',
    ]);
    try {
      expect(server.line).toMatch(
        new RegExp(`^serving iris:3 on http://127\\.0\\.0\\.1:\\d+ \\(sha256 ${IRIS_SHA256}\\)$`),
      );
      const reply = await post(
        `${server.url}/v2/models/iris/versions/3/infer`,
        irisRequest([[6.7, 3.0, 5.2, 2.3]]),
      );
      expect(
        (reply.body as { outputs: { name: string; data: number[] }[] }).outputs[1],
      ).toMatchObject({ name: 'label', data: [2] });
    } finally {
      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
    }
  });

  it('refuses a model whose sha256 differs: exit 1, a clear message, no stack trace', async () => {
    const wrong = '0'.repeat(64);
    const exit = await spawnCli(['serve', '--model', IRIS, '--sha256', wrong, '--port', '0'])
      .exited;
    expect(exit.code).toBe(1);
    expect(exit.stdout).toBe('');
    expect(exit.stderr).toBe(
      `ferry serve: sha256 mismatch for ${IRIS}: expected ${wrong}, got ${IRIS_SHA256}; refusing to load it\n`,
    );
  });

  it('refuses a corrupt model: exit 1, a clear message, no stack trace', async () => {
    const corrupt = join(scratch, 'corrupt.onnx');
    await copyFile(IRIS, corrupt);
    await writeFile(corrupt, Buffer.from('this is not a protobuf'), { flag: 'r+' });
    const exit = await spawnCli(['serve', '--model', corrupt, '--port', '0']).exited;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(
      new RegExp(
        `^ferry serve: cannot load ${corrupt} as an ONNX model: .*protobuf parsing failed.*\\n$`,
      ),
    );
    expect(exit.stderr).not.toMatch(/\n\s+at /);
    const truncated = join(scratch, 'empty.onnx');
    await writeFile(truncated, '');
    const empty = await spawnCli(['serve', '--model', truncated, '--port', '0']).exited;
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(
      new RegExp(`^ferry serve: cannot load ${truncated} as an ONNX model: `),
    );
  });

  it('exits 2 on a missing model file or bad flags', async () => {
    const missing = join(scratch, 'nope.onnx');
    const exit = await spawnCli(['serve', '--model', missing]).exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(
      new RegExp(`^ferry serve: cannot read ${pathToFileURL(missing).href}: `),
    );
    const flags: [string[], string][] = [
      [[], '--model is required'],
      [['--model', IRIS, '--sha256', 'abc'], '--sha256 must be 64 hex digits, not "abc"'],
      [
        ['--model', IRIS, '--port', '70000'],
        '--port must be an integer from 0 to 65535, not "70000"',
      ],
      [
        ['--model', IRIS, '--max-batch-size', '0'],
        '--max-batch-size must be an integer from 1 to 1000000, not "0"',
      ],
      [
        ['--model', IRIS, '--max-queue=-3'],
        '--max-queue must be an integer from 1 to 1000000, not "-3"',
      ],
      [
        ['--model', IRIS, '--name', 'a/b'],
        '--name must be letters, digits, ".", "_" or "-", not "a/b"',
      ],
    ];
    for (const [args, message] of flags) {
      const bad = await spawnCli(['serve', ...args]).exited;
      expect(bad.code).toBe(2);
      expect(bad.stderr.split('\n')[0]).toBe(`ferry serve: ${message}`);
    }
  });

  it('sheds with 429 at once when the queue is full', async () => {
    const server = await startServe([
      '--model',
      models.path('slow'),
      '--name',
      'slow',
      '--max-batch-size',
      '1',
      '--max-queue',
      '2',
    ]);
    try {
      // Twelve requests at once against a model that takes a while: one runs, two may
      // wait, and the rest must be shed at once with 429, whatever the timing.
      const agent = new Agent({ keepAlive: true, maxSockets: 12 });
      const body = JSON.stringify({
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: [3] }],
      });
      const infer = `${server.url}/v2/models/slow/infer`;
      const all = await Promise.all(Array.from({ length: 12 }, () => send(agent, infer, body)));
      agent.destroy();
      const ok = all.filter((reply) => reply.status === 200).length;
      const shed = all.filter((reply) => reply.status === 429);
      expect(ok + shed.length).toBe(12);
      expect(shed.length).toBeGreaterThan(0);
      for (const reply of shed) {
        expect(JSON.parse(reply.body)).toEqual({ error: 'queue full: 2 requests already waiting' });
      }
      const metrics = (await get(`${server.url}/metrics`)).body as string;
      expect(metrics).toContain(
        `ferry_serve_requests_total{model="slow",version="1",code="429"} ${shed.length}`,
      );
      expect(metrics).toContain(
        `ferry_serve_requests_total{model="slow",version="1",code="200"} ${ok}`,
      );
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('on SIGTERM finishes the requests in flight, then exits 0', async () => {
    const server = await startServe([
      '--model',
      models.path('slow'),
      '--name',
      'slow',
      '--max-batch-size',
      '1',
    ]);
    // Connections opened first, so the three requests are on their way before SIGTERM.
    const agent = new Agent({ keepAlive: true, maxSockets: 3 });
    await Promise.all([1, 2, 3].map(() => send(agent, `${server.url}/v2/health/live`)));
    const body = JSON.stringify({
      inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: [7] }],
    });
    const inFlight = [1, 2, 3].map(() => send(agent, `${server.url}/v2/models/slow/infer`, body));
    await new Promise((resolve) => setTimeout(resolve, 30));
    server.child.kill('SIGTERM');
    const replies = await Promise.all(inFlight);
    agent.destroy();
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(
        (JSON.parse(reply.body) as { outputs: { data: number[] }[] }).outputs[0]?.data,
      ).toEqual([7]);
    }
    const exit = await server.exited;
    expect(exit.code).toBe(0);
    expect(exit.stderr).toMatch(
      /^ferry serve: SIGTERM: draining \d+ in-flight request\(s\)\nferry serve: drained; stopped\n$/,
    );
    await expect(fetch(`${server.url}/v2/health/live`)).rejects.toThrow();
  });
});
