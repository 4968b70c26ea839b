import { badRequest } from './errors.js';
import type { KubeObject } from './objects.js';

/** Whether an object passes a list's or a watch's selectors. */
export type ObjectFilter = (object: KubeObject) => boolean;

export const MATCH_ALL: ObjectFilter = () => true;

/** Splits on commas outside parentheses (`a in (x,y),b` → ['a in (x,y)', 'b']). */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const char = selector[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

type LabelTest = (labels: Record<string, string>) => boolean;

const KEY = '[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?';
const VALUE = '([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?';
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|!=|=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);
const EXISTS = new RegExp(`^(!?)\\s*(${KEY})$`);

function labelRequirement(requirement: string, selector: string): LabelTest {
  const equality = EQUALITY.exec(requirement);
  if (equality) {
    const [, key, , op, value] = equality;
    return op === '!=' ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
  }
  const set = SET.exec(requirement);
  if (set) {
    const [, key, , op, list] = set;
    const values = new Set(list.split(',').map((value) => value.trim()));
    return op === 'in' ? (labels) => Object.hasOwn(labels, key) && values.has(labels[key]) : (labels) => !Object.hasOwn(labels, key) || !values.has(labels[key]);
  }
  const exists = EXISTS.exec(requirement);
  if (exists) {
    const [, not, key] = exists;
    return not === '!' ? (labels) => !Object.hasOwn(labels, key) : (labels) => Object.hasOwn(labels, key);
  }
  throw badRequest(`unable to parse requirement: "${requirement}" in labelSelector "${selector}"`);
}

/**
 * A label selector (`a=b,c!=d,e in (x,y),!f`): equality, inequality, set and existence requirements, all of which
 * must hold. `key!=v` and `notin` also match objects without the label, as on the real server. A syntax error is a
 * 400, as the server answers it.
 */
export function parseLabelSelector(selector: string | null): ObjectFilter {
  if (selector === null || selector.trim() === '') return MATCH_ALL;
  const tests = splitRequirements(selector).map((requirement) => labelRequirement(requirement, selector));
  return (object) => {
    const labels = object.metadata.labels ?? {};
    return tests.every((test) => test(labels));
  };
}

/** The value at a dotted field path as a field selector compares it ('' when missing). */
function fieldValue(object: KubeObject, path: string[]): string {
  let node: unknown = object;
  for (const step of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, step)) return '';
    node = (node as Record<string, unknown>)[step];
  }
  return node === undefined || node === null ? '' : String(node);
}

/**
 * A field selector (`metadata.name=x,metadata.namespace!=y`). The real server accepts only a few fields per kind;
 * the fake accepts any dotted path (`spec.nodeName`, `status.phase`), which is a superset.
 */
export function parseFieldSelector(selector: string | null): ObjectFilter {
  if (selector === null || selector.trim() === '') return MATCH_ALL;
  const tests = splitRequirements(selector).map((requirement) => {
    const match = /^([A-Za-z0-9_.-]+)\s*(==|!=|=)\s*(.*)$/.exec(requirement);
    if (!match) throw badRequest(`invalid selector: '${selector}'; can't understand '${requirement}'`);
    const [, field, op, value] = match;
    const path = field.split('.');
    return op === '!=' ? (object: KubeObject) => fieldValue(object, path) !== value : (object: KubeObject) => fieldValue(object, path) === value;
  });
  return (object) => tests.every((test) => test(object));
}

/** Both filters. */
export function allOf(first: ObjectFilter, second: ObjectFilter): ObjectFilter {
  if (first === MATCH_ALL) return second;
  if (second === MATCH_ALL) return first;
  return (object) => first(object) && second(object);
}
