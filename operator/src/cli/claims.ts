import { UsageError } from './io.js';

/** `--claim NAME=DIR` flags as a claim table for pvc:// URIs. */
export function parseClaims(entries: readonly string[]): Map<string, string> {
  return new Map(
    entries.map((entry) => {
      const equals = entry.indexOf('=');
      if (equals <= 0) throw new UsageError(`--claim "${entry}" is not NAME=DIR`);
      return [entry.slice(0, equals), entry.slice(equals + 1)] as const;
    }),
  );
}
