/**
 * The logging seam. The shape is a subset of pino's (fields first, then the message;
 * `child` binds fields), so a pino logger can be passed as is once it is a dependency.
 */

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  /** A logger that adds `bindings` to every entry. */
  child(bindings: LogFields): Logger;
}

/** Discards everything. */
export const noopLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => noopLogger,
};
