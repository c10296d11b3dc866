/**
 * JSON patch (RFC 6902): add, remove, replace, move, copy and test over JSON pointers
 * (RFC 6901, `~0`/`~1` escapes, `-` appends). Applies to a copy; a failing operation
 * throws a `JsonPatchError` and leaves the input untouched.
 */
import { clone, deepEqual, isObject, type Json, removeKey } from '../core/json.js';

export class JsonPatchError extends Error {
  override readonly name = 'JsonPatchError';
}

function pointer(text: string): string[] {
  if (text === '') return [];
  if (!text.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer "${text}"`);
  return text
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function read(root: Json, path: readonly string[]): Json {
  let current = root;
  for (const step of path) {
    if (Array.isArray(current)) {
      const item = current[Number(step)];
      if (!/^\d+$/.test(step) || item === undefined) throw missing(path);
      current = item;
    } else if (isObject(current)) {
      const value = current[step];
      if (value === undefined) throw missing(path);
      current = value;
    } else throw missing(path);
  }
  return current;
}

function missing(path: readonly string[]): JsonPatchError {
  return new JsonPatchError(`doc is missing path: "/${path.join('/')}"`);
}

function parentOf(root: Json, path: readonly string[]): { parent: Json; key: string } {
  const key = path[path.length - 1];
  if (key === undefined) throw new JsonPatchError('the root cannot be a parent');
  return { parent: read(root, path.slice(0, -1)), key };
}

function add(root: Json, path: readonly string[], value: Json): Json {
  if (path.length === 0) return value;
  const { parent, key } = parentOf(root, path);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!/^(\d+|-)$/.test(key) || index > parent.length) throw missing(path);
    parent.splice(index, 0, value);
  } else if (isObject(parent)) parent[key] = value;
  else throw missing(path);
  return root;
}

function remove(root: Json, path: readonly string[]): Json {
  const { parent, key } = parentOf(root, path);
  read(root, path);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (isObject(parent)) removeKey(parent, key);
  return root;
}

/** Applies `operations` (the parsed patch document) to a copy of `document`. */
export function jsonPatch(document: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw new JsonPatchError('a JSON patch must be an array');
  let root = clone(document);
  for (const operation of operations) {
    if (!isObject(operation))
      throw new JsonPatchError('each JSON patch operation must be an object');
    const op = operation['op'];
    const path = typeof operation['path'] === 'string' ? pointer(operation['path']) : undefined;
    if (path === undefined)
      throw new JsonPatchError(`operation ${JSON.stringify(op ?? null)} has no path`);
    const from = typeof operation['from'] === 'string' ? pointer(operation['from']) : undefined;
    const value = operation['value'];
    switch (op) {
      case 'add':
        if (value === undefined) throw new JsonPatchError('add operation has no value');
        root = add(root, path, clone(value));
        break;
      case 'remove':
        root = remove(root, path);
        break;
      case 'replace':
        if (value === undefined) throw new JsonPatchError('replace operation has no value');
        read(root, path);
        root = path.length === 0 ? clone(value) : add(remove(root, path), path, clone(value));
        break;
      case 'move': {
        if (from === undefined) throw new JsonPatchError('move operation has no from');
        const moved = read(root, from);
        root = add(remove(root, from), path, moved);
        break;
      }
      case 'copy': {
        if (from === undefined) throw new JsonPatchError('copy operation has no from');
        root = add(root, path, clone(read(root, from)));
        break;
      }
      case 'test':
        if (!deepEqual(read(root, path), value ?? null)) {
          throw new JsonPatchError(`testing value /${path.join('/')} failed`);
        }
        break;
      default:
        throw new JsonPatchError(`unexpected operation ${JSON.stringify(op ?? null)}`);
    }
  }
  return root;
}
