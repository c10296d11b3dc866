/**
 * Appends every item of `items` to `target`, however many there are: spreading a long
 * array into `push` passes each item as an argument and overflows the call stack past
 * about 100,000 of them.
 */
export function appendAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}
