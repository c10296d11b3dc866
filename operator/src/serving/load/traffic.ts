/**
 * The traffic `ferry load` sends, and how it reports it. Pure.
 *
 * Rows come from a CSV file with a header; its numeric columns are the features, in the
 * file's order. A shift adds a constant to one feature of every row, which is what a
 * drift in the live data looks like to a DriftMonitor.
 */

export interface Rows {
  features: readonly string[];
  rows: readonly (readonly number[])[];
}

/** The numeric columns of a CSV text (header first), as rows of features. */
export function featureRows(csv: string): Rows {
  const [header = '', ...lines] = csv.trim().split(/\r?\n/);
  const columns = header.split(',').map((name) => name.trim());
  const cells = lines.filter((line) => line.trim() !== '').map((line) => line.split(','));
  const numeric = columns
    .map((name, index) => ({ name, index }))
    .filter(({ index }) =>
      cells.every((row) => row[index] !== undefined && Number.isFinite(Number(row[index]))),
    );
  return {
    features: numeric.map(({ name }) => name),
    rows: cells.map((row) => numeric.map(({ index }) => Number(row[index]))),
  };
}

/** `FEATURE=DELTA` flags as feature → delta; throws a message naming the known features. */
export function parseShifts(
  entries: readonly string[],
  features: readonly string[],
): Map<string, number> {
  const shifts = new Map<string, number>();
  for (const entry of entries) {
    const equals = entry.lastIndexOf('=');
    const name = entry.slice(0, equals);
    const delta = Number(entry.slice(equals + 1));
    if (equals <= 0 || entry.slice(equals + 1).trim() === '' || !Number.isFinite(delta))
      throw new RangeError(`--shift "${entry}" is not FEATURE=DELTA, such as petal_length=2`);
    if (!features.includes(name))
      throw new RangeError(
        `--shift "${entry}": no feature "${name}"; the features are ${features.join(', ')}`,
      );
    shifts.set(name, (shifts.get(name) ?? 0) + delta);
  }
  return shifts;
}

export function shiftedRow(
  row: readonly number[],
  features: readonly string[],
  shifts: ReadonlyMap<string, number>,
): number[] {
  return row.map((value, index) => value + (shifts.get(features[index] ?? '') ?? 0));
}

/** An Open Inference Protocol v2 request carrying one row as the model's input. */
export function inferRequest(
  input: { name: string; datatype: string },
  row: readonly number[],
): string {
  return JSON.stringify({
    inputs: [{ name: input.name, datatype: input.datatype, shape: [1, row.length], data: [row] }],
  });
}

/**
 * What came back over some interval: answers by HTTP status, "error (WHY)" for no answer and
 * "skipped" for a request not sent because too many were in flight; latencies of answers, in ms.
 */
export interface Tally {
  statuses: Map<string, number>;
  latenciesMs: number[];
}

export function emptyTally(): Tally {
  return { statuses: new Map(), latenciesMs: [] };
}

export function record(tally: Tally, status: string, latencyMs: number): void {
  tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
  if (/^\d+$/.test(status)) tally.latenciesMs.push(latencyMs);
}

/** The q-quantile (0..1) of the values by the nearest-rank method; undefined when empty. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function ms(value: number | undefined): string {
  return value === undefined ? '-' : `${value.toFixed(1)} ms`;
}

/** One report line: `label  sent N  200: N  p50 … p99 …`. */
export function tallyLine(label: string, tally: Tally): string {
  const sent = [...tally.statuses.values()].reduce((a, b) => a + b, 0);
  const statuses = [...tally.statuses.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, count]) => `${status}: ${String(count)}`)
    .join('  ');
  return `${label}  sent ${String(sent)}  ${statuses === '' ? 'no answers' : statuses}  p50 ${ms(quantile(tally.latenciesMs, 0.5))}  p99 ${ms(quantile(tally.latenciesMs, 0.99))}`;
}
