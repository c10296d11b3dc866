/** RFC 3339 with second precision, as Kubernetes writes `metav1.Time`. */
export function timestamp(at: number): string {
  return new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** RFC 3339 with microseconds, as Kubernetes writes `metav1.MicroTime`. */
export function microTimestamp(at: number): string {
  return new Date(at).toISOString().replace(/Z$/, '000Z');
}
