import { parseArgs } from 'node:util';
import { DriftMethods } from '../../api/index.js';
import { ColumnDataError, readFileColumns } from '../../data/columns.js';
import {
  comparisonsFromColumns,
  DEFAULT_DRIFT_SHARE,
  detectDrift,
  DriftInputError,
  formatDriftJson,
  formatDriftText,
  type DriftMethodChoice,
} from '../../drift/index.js';
import { ExitCode, UsageError, type CommandIO } from '../io.js';

const DEFAULT_SAMPLE_SIZE = 100_000;
const MAX_CATEGORIES = 10_000;

export const driftUsage = `Usage: ferry drift --reference FILE --current FILE [--features a,b] [--prediction c]
                   [--method M] [--threshold X] [--drift-share S] [--sample-size N]
                   [--format text|json]

Compares each feature of the current data with the reference and prints one row per
feature (method, statistic, p-value where the method has one, threshold, drifted); the
last line is the verdict. Files ending .jsonl or .ndjson are JSON Lines, others CSV with
a header. Both are streamed: numeric columns keep a seeded uniform sample of at most
--sample-size values (default ${DEFAULT_SAMPLE_SIZE}), categorical ones exact counts of at most
${MAX_CATEGORIES} distinct values.

  --features a,b     columns to compare (default: every column of the reference but --prediction)
  --prediction c     model output columns, judged as a group of their own (prediction drift)
  --method M         ${DriftMethods.join(', ')} (default auto: KS / chi-square for a reference
                     of at most 1000 rows, Wasserstein / Jensen-Shannon above)
  --threshold X      p-value below which (ks, chi2) or distance at or above which (psi, js,
                     wasserstein) a feature drifts (default 0.05 for tests, 0.1 for distances;
                     p-value thresholds are Bonferroni-corrected for the number of features)
  --drift-share S    share of drifted features at which the data drifts (default ${DEFAULT_DRIFT_SHARE})

Exit status: 0 no drift, 1 drift, 2 usage or input error.`;

export async function driftCommand(argv: string[], io: CommandIO): Promise<ExitCode> {
  const { values } = parseArgs({
    args: argv,
    options: {
      reference: { type: 'string' },
      current: { type: 'string' },
      features: { type: 'string' },
      prediction: { type: 'string' },
      method: { type: 'string', default: 'auto' },
      threshold: { type: 'string' },
      'drift-share': { type: 'string' },
      'sample-size': { type: 'string' },
      format: { type: 'string', default: 'text' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.reference === undefined) throw new UsageError('--reference is required');
  if (values.current === undefined) throw new UsageError('--current is required');
  const method = values.method;
  if (!isMethod(method)) {
    throw new UsageError(`unknown --method "${method}": use ${DriftMethods.join(', ')}`);
  }
  if (values.format !== 'text' && values.format !== 'json') {
    throw new UsageError(`unknown --format "${values.format}": use text or json`);
  }
  const threshold = optionalNumber('--threshold', values.threshold, (x) => x >= 0);
  const driftShare = optionalNumber('--drift-share', values['drift-share'], (x) => x > 0 && x <= 1);
  const sampleSize =
    optionalNumber('--sample-size', values['sample-size'], (x) => Number.isInteger(x) && x >= 1) ??
    DEFAULT_SAMPLE_SIZE;
  const prediction = list(values.prediction) ?? [];
  const features = list(values.features);

  try {
    const read = { sampleSize, maxCategories: MAX_CATEGORIES };
    const reference = await readFileColumns(values.reference, {
      ...read,
      ...(features === undefined ? {} : { columns: [...features, ...prediction] }),
    });
    const names = features ?? reference.header.filter((name) => !prediction.includes(name));
    const current = await readFileColumns(values.current, {
      ...read,
      columns: [...names, ...prediction],
    });
    const report = detectDrift(
      comparisonsFromColumns(names, reference, current),
      {
        method,
        ...(threshold === undefined ? {} : { threshold }),
        ...(driftShare === undefined ? {} : { driftShare }),
      },
      comparisonsFromColumns(prediction, reference, current),
    );
    io.stdout(values.format === 'json' ? formatDriftJson(report) : formatDriftText(report));
    return report.drifted ? ExitCode.failed : ExitCode.ok;
  } catch (error) {
    if (!(error instanceof ColumnDataError || error instanceof DriftInputError)) throw error;
    io.stderr(`ferry drift: ${error.message}\n`);
    return ExitCode.usage;
  }
}

function isMethod(value: string): value is DriftMethodChoice {
  return (DriftMethods as readonly string[]).includes(value);
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new UsageError('name at least one column');
  return names;
}

function optionalNumber(
  flag: string,
  value: string | undefined,
  valid: (x: number) => boolean,
): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || !valid(parsed)) {
    throw new UsageError(`${flag} "${value}" is out of range`);
  }
  return parsed;
}
