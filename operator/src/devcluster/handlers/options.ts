/** Per-request options that shape a write. */
export interface WriteOptions {
  dryRun: boolean;
  /** The manager recorded in managedFields. */
  fieldManager: string;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
  /** '' for the main resource, 'status' for the status subresource. */
  subresource: string;
  /** Filled in by the write with `Warning` header texts. */
  warnings: string[];
  /** Fields the request body gave more than once (`spec.replicas`). */
  duplicates: readonly string[];
}

export function parseFieldValidation(value: string | null): WriteOptions['fieldValidation'] {
  if (value === 'Strict' || value === 'Ignore') return value;
  return 'Warn';
}
