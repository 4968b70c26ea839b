import { isJsonObject, jsonEqual, setOwn } from './json.js';

/** A JSON patch could not be applied; the message names the operation and the problem. */
export class JsonPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPatchError';
  }
}

type Container = Record<string, unknown> | unknown[];

/** RFC 6901 §3/§4: `/a/b~1c` → ['a', 'b/c']; '' is the whole document. */
function parsePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string') throw new JsonPatchError(`path must be a string, got ${JSON.stringify(pointer)}`);
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`path "${pointer}" does not start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The container holding the pointer's last token. */
function parentOf(doc: { root: unknown }, tokens: string[], pointer: string): Container {
  let node = doc.root;
  for (const token of tokens.slice(0, -1)) node = childOf(node, token, pointer);
  if (!Array.isArray(node) && !isJsonObject(node)) throw new JsonPatchError(`path "${pointer}" does not exist`);
  return node;
}

function childOf(node: unknown, token: string, pointer: string): unknown {
  if (Array.isArray(node)) return node[arrayIndex(node, token, pointer, false)];
  if (isJsonObject(node) && Object.hasOwn(node, token)) return node[token];
  throw new JsonPatchError(`path "${pointer}" does not exist`);
}

/** RFC 6902 §4.1: an array index is digits without a leading zero; '-' (append) only where `allowEnd`. */
function arrayIndex(array: unknown[], token: string, pointer: string, allowEnd: boolean): number {
  if (allowEnd && token === '-') return array.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPatchError(`path "${pointer}": "${token}" is not an array index`);
  const index = Number(token);
  if (index > array.length || (!allowEnd && index === array.length)) throw new JsonPatchError(`path "${pointer}": index ${index} is out of bounds`);
  return index;
}

function read(doc: { root: unknown }, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return doc.root;
  return childOf(parentOf(doc, tokens, pointer), tokens[tokens.length - 1], pointer);
}

function add(doc: { root: unknown }, pointer: string, value: unknown): void {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) {
    doc.root = value;
    return;
  }
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, pointer, true), 0, value);
  else setOwn(parent, last, value);
}

function remove(doc: { root: unknown }, pointer: string): void {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new JsonPatchError('cannot remove the whole document');
  const parent = parentOf(doc, tokens, pointer);
  const last = tokens[tokens.length - 1];
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, pointer, false), 1);
  else if (Object.hasOwn(parent, last)) delete parent[last];
  else throw new JsonPatchError(`path "${pointer}" does not exist`);
}

/**
 * Applies a JSON patch (RFC 6902 §4: add, remove, replace, move, copy, test) to a copy of `target`; any failed
 * operation fails the whole patch.
 */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new JsonPatchError('a JSON patch must be an array of operations');
  const doc = { root: structuredClone(target) };
  patch.forEach((operation: unknown, index) => {
    if (!isJsonObject(operation)) throw new JsonPatchError(`operation ${index} is not an object`);
    const path = operation.path as string;
    const needValue = () => {
      if (!Object.hasOwn(operation, 'value')) throw new JsonPatchError(`operation ${index} (${String(operation.op)}) has no value`);
      return structuredClone(operation.value);
    };
    switch (operation.op) {
      case 'add':
        return add(doc, path, needValue());
      case 'remove':
        return remove(doc, path);
      case 'replace':
        read(doc, path);
        if (path !== '') remove(doc, path);
        return add(doc, path, needValue());
      case 'move': {
        const value = read(doc, operation.from as string);
        remove(doc, operation.from as string);
        return add(doc, path, value);
      }
      case 'copy':
        return add(doc, path, structuredClone(read(doc, operation.from as string)));
      case 'test':
        if (!jsonEqual(read(doc, path), needValue())) throw new JsonPatchError(`test operation ${index} failed at "${path}"`);
        return;
      default:
        throw new JsonPatchError(`operation ${index} has unknown op ${JSON.stringify(operation.op)}`);
    }
  });
  return doc.root;
}
