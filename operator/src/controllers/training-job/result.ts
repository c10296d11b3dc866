/**
 * The training container's result, read from its termination message: a small JSON
 * object with its metrics, the artifact it wrote and that artifact's sha256.
 *
 * Parsing is strict, because a ModelVersion is only ever created from a complete result:
 * anything missing or malformed is an error that quotes what was wrong.
 */

/** Kubernetes truncates termination messages at 4096 bytes. */
export const TERMINATION_MESSAGE_LIMIT = 4096;

export interface TrainingResult {
  metrics: Record<string, number>;
  /** Path relative to the output directory, or an absolute URI. */
  artifact: string;
  sha256: string;
}

export type ParsedResult = { ok: true; result: TrainingResult } | { ok: false; message: string };

const SHA256 = /^[a-f0-9]{64}$/;
const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,62}$/;

export function parseTrainingResult(message: string | undefined): ParsedResult {
  if (message === undefined || message.trim() === '') {
    return failure('the container wrote no result to its termination message');
  }
  if (Buffer.byteLength(message) >= TERMINATION_MESSAGE_LIMIT) {
    return failure(
      `the result is ${Buffer.byteLength(message)} bytes, at the ${TERMINATION_MESSAGE_LIMIT}-byte limit, so it was probably truncated: ${quote(message)}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch (error) {
    return failure(`the result is not valid JSON (${(error as Error).message}): ${quote(message)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failure(`the result must be a JSON object: ${quote(message)}`);
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];

  const metrics: Record<string, number> = {};
  if (
    typeof record.metrics !== 'object' ||
    record.metrics === null ||
    Array.isArray(record.metrics)
  ) {
    problems.push(`"metrics" must be an object of numbers, got ${describe(record.metrics)}`);
  } else {
    for (const [name, metric] of Object.entries(record.metrics as Record<string, unknown>)) {
      if (!METRIC_NAME.test(name)) problems.push(`metric name ${quote(name)} is not a valid name`);
      else if (typeof metric !== 'number' || !Number.isFinite(metric)) {
        problems.push(`metric "${name}" must be a finite number, got ${describe(metric)}`);
      } else metrics[name] = metric;
    }
  }
  const artifact = record.artifact;
  if (typeof artifact !== 'string' || artifact.trim() === '') {
    problems.push(`"artifact" must be the path of the model file, got ${describe(artifact)}`);
  } else if (artifact.split('/').includes('..')) {
    problems.push(`"artifact" ${quote(artifact)} must stay inside the output directory`);
  }
  const sha256 = record.sha256;
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) {
    problems.push(`"sha256" must be 64 lower-case hex digits, got ${describe(sha256)}`);
  }
  if (problems.length > 0) return failure(`the result is incomplete: ${problems.join('; ')}`);
  return { ok: true, result: { metrics, artifact: artifact as string, sha256: sha256 as string } };
}

function failure(message: string): ParsedResult {
  return { ok: false, message };
}

/** A quoted JSON rendering of a value from the result, or "nothing" when it is absent. */
function describe(value: unknown): string {
  return value === undefined ? '"nothing"' : quote(JSON.stringify(value));
}

/** Quotes user-provided text for a status message, bounded so status stays small. */
function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > 200 ? `${flat.slice(0, 197)}...` : flat);
}
