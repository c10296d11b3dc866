import { pino } from 'pino';
import type { Logger } from '../runtime/logger.js';

/**
 * Keys whose values never reach a log line, wherever they appear in a logged object:
 * credentials in kubeconfigs and requests, and anything named like a secret.
 */
const REDACTED_KEYS = [
  'token',
  'password',
  'secret',
  'authorization',
  'bearerToken',
  'client-key-data',
  'clientKeyData',
  'webhookSecret',
];

/** JSON logs on stderr, pino's format, with secrets redacted. */
export function createLogger(
  level: string,
  destination: NodeJS.WritableStream = process.stderr,
): Logger {
  return pino(
    {
      level,
      base: { component: 'ferry' },
      redact: {
        paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `headers["${key}"]`]),
        censor: '[REDACTED]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as pino.DestinationStream,
  );
}
