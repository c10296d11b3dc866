/**
 * Duplicate keys in a JSON text, which `JSON.parse` silently resolves to the last one. A
 * real API server's strict decoder reports each as `duplicate field "<path>"` (a warning,
 * or a 400 under fieldValidation=Strict). Paths use the apiserver's form:
 * `spec.template.spec.containers[0].name`. Malformed text yields no duplicates (the
 * parser reports it).
 */
export function duplicateFields(text: string): string[] {
  const found: string[] = [];
  let at = 0;
  const space = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text[at] ?? '')) at++;
  };
  const string = (): string => {
    const start = at;
    at++;
    while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const value = (path: string): void => {
    space();
    const char = text[at];
    if (char === '{') {
      at++;
      const keys = new Set<string>();
      space();
      while (at < text.length && text[at] !== '}') {
        const key = string();
        const child = path === '' ? key : `${path}.${key}`;
        if (keys.has(key)) found.push(child);
        keys.add(key);
        space();
        at++; // ':'
        value(child);
        space();
        if (text[at] === ',') at++;
        space();
      }
      at++;
    } else if (char === '[') {
      at++;
      let index = 0;
      space();
      while (at < text.length && text[at] !== ']') {
        value(`${path}[${index++}]`);
        space();
        if (text[at] === ',') at++;
        space();
      }
      at++;
    } else if (char === '"') string();
    else while (at < text.length && !',}] \t\n\r'.includes(text[at] ?? '')) at++;
  };
  try {
    value('');
  } catch {
    return [];
  }
  return found;
}

const recorded = new WeakMap<object, readonly string[]>();

/** Returns `value` (parsed from `text`), remembering the duplicate fields `text` had. */
export function withDuplicates<T>(value: T, text: string): T {
  if (typeof value === 'object' && value !== null) {
    const duplicates = duplicateFields(text);
    if (duplicates.length > 0) recorded.set(value, duplicates);
  }
  return value;
}

/** The duplicate fields the text `body` was parsed from had (none when unknown). */
export function duplicatesOf(body: unknown): readonly string[] {
  return typeof body === 'object' && body !== null ? (recorded.get(body) ?? []) : [];
}
