import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PRODUCT } from '../../api/index.js';
import { parseDuration } from '../../api/duration.js';
import { packageDirectory } from '../../runtime/version.js';
import { runLoad } from '../../serving/load/run.js';
import { featureRows, parseShifts } from '../../serving/load/traffic.js';
import { ExitCode, UsageError, type CommandIO } from '../io.js';
import { untilShutdownSignal } from '../signals.js';

export const loadUsage = `Usage: ferry load URL [--shift FEATURE=DELTA]... [--rate N] [--duration D] [--data FILE]

Sends Open Inference Protocol v2 requests to the model at URL (http://HOST:PORT/v2/models/NAME,
as an InferenceService's status.url gives it), one row each, cycling through the rows of a
CSV file (default: the iris data set), and prints each second how many were sent, the
answers by HTTP status and the p50 and p99 latency, then the totals. Ctrl-C stops it.

Flags:
  --shift FEATURE=DELTA   add DELTA to FEATURE in every row: drifted traffic (repeatable)
  --rate N                requests per second (default 20)
  --duration D            stop after D, such as 30s or 2m (default: until Ctrl-C)
  --data FILE             a CSV file with a header; its numeric columns are the features

Exits 1 when any request got no answer or a 5xx.`;

export async function loadCommand(argv: string[], io: CommandIO): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      shift: { type: 'string', multiple: true, default: [] },
      rate: { type: 'string', default: '20' },
      duration: { type: 'string' },
      data: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [url, ...extra] = positionals;
  if (url === undefined || extra.length > 0) throw new UsageError('ferry load takes one URL');
  if (!/^https?:\/\//.test(url)) throw new UsageError(`"${url}" is not an http:// URL`);
  const rate = Number(values.rate);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 10_000)
    throw new UsageError(
      `--rate must be a number of requests per second from 0 to 10000, not "${values.rate}"`,
    );
  const durationMs = values.duration === undefined ? undefined : parseDuration(values.duration);
  if (values.duration !== undefined && (durationMs === undefined || durationMs <= 0))
    throw new UsageError(`--duration "${values.duration}" is not a duration such as 30s`);
  const file =
    values.data === undefined
      ? join(packageDirectory(PRODUCT), 'examples', 'iris', 'data', 'iris.csv')
      : resolve(io.cwd, values.data);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  const rows = featureRows(text);
  if (rows.rows.length === 0 || rows.features.length === 0)
    throw new UsageError(`${file} has no rows of numeric features`);
  let shifts: Map<string, number>;
  try {
    shifts = parseShifts(values.shift, rows.features);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  io.stdout(
    `ferry load ${url}: ${String(rate)} requests/s of ${file}${shifts.size === 0 ? '' : `, shifted: ${values.shift.join(' ')}`}\n`,
  );
  const total = await runLoad({
    url,
    rows,
    shifts,
    ratePerSecond: rate,
    durationMs,
    stop: untilShutdownSignal(),
    print: (line) => {
      io.stdout(`${line}\n`);
    },
  });
  const failed = [...total.statuses.entries()].some(
    ([status, count]) => count > 0 && (status.startsWith('error') || status.startsWith('5')),
  );
  return failed ? ExitCode.failed : ExitCode.ok;
}
