import { DOMAIN } from './names.js';

/** contrail-kube-manager's network annotation, on a pod or a namespace (contrail-config-model.md §4.3). */
export const NETWORK_ANNOTATION = 'opencontrail.org/network';
/** CN2's extra networks of a pod (contrail-config-model.md §5.2). */
export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/**
 * `opencontrail.org/network`: `{"domain": …, "project": …, "name": …}` as JSON, or as the Python-dict text
 * contrail-kube-manager reads (`{'domain': 'default-domain', 'project': 'p', 'name': 'vn'}`). `domain` defaults to
 * default-domain. Answers the network's fq_name.
 */
export function parseNetworkAnnotation(text: string): Parsed<string[]> {
  const parsed = parseJsonOrPythonLiteral(text);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail(`expected an object {"domain", "project", "name"}, got ${JSON.stringify(value)}`);
  }
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !['domain', 'project', 'name'].includes(key));
  if (unknown.length > 0) return fail(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; expected domain, project, name`);
  const domain = fields.domain ?? DOMAIN;
  for (const [key, part] of [['domain', domain], ['project', fields.project], ['name', fields.name]] as const) {
    if (typeof part !== 'string' || part === '') return fail(`"${key}" must be a non-empty string, got ${JSON.stringify(part ?? null)}`);
  }
  return { ok: true, value: [domain as string, fields.project as string, fields.name as string] };
}

/** One entry of `k8s.v1.cni.cncf.io/networks`: a network by name, in `namespace` (default: the pod's). */
export interface NetworkSelection {
  name: string;
  namespace?: string;
}

/**
 * `k8s.v1.cni.cncf.io/networks`: a comma-separated list of `[namespace/]name`, or a JSON list of
 * `{"name", "namespace"?}`. Interface names (`name@net7`, `"interface"`) are not taken: the extra interfaces are
 * net1, net2, … in list order.
 */
export function parseNetworksAnnotation(text: string): Parsed<NetworkSelection[]> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: [] };
  return trimmed.startsWith('[') ? parseNetworksJson(trimmed) : parseNetworksList(trimmed);
}

const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;

function parseNetworksList(text: string): Parsed<NetworkSelection[]> {
  const out: NetworkSelection[] = [];
  const entries = text.split(',').map((entry) => entry.trim());
  for (const [i, entry] of entries.entries()) {
    const where = `entry ${i + 1} ("${entry}")`;
    if (entry === '') return fail(`entry ${i + 1} is empty`);
    if (entry.includes('@')) return fail(`${where}: interface names (@…) are not supported; extra interfaces are net1, net2, …`);
    const parts = entry.split('/');
    if (parts.length > 2) return fail(`${where}: expected [namespace/]name`);
    const [namespace, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    for (const part of [namespace, name]) {
      if (part !== undefined && !NAME.test(part)) return fail(`${where}: "${part}" is not a valid name`);
    }
    out.push(namespace === undefined ? { name } : { name, namespace });
  }
  return { ok: true, value: out };
}

function parseNetworksJson(text: string): Parsed<NetworkSelection[]> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) return fail('expected a JSON list of {"name", "namespace"?}');
  const out: NetworkSelection[] = [];
  for (const [i, item] of value.entries()) {
    const where = `item ${i + 1}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return fail(`${where}: expected an object {"name", "namespace"?}`);
    const { name, namespace, interface: iface } = item as Record<string, unknown>;
    if (typeof name !== 'string' || !NAME.test(name)) return fail(`${where}: "name" must be a valid name, got ${JSON.stringify(name ?? null)}`);
    if (namespace !== undefined && (typeof namespace !== 'string' || !NAME.test(namespace))) {
      return fail(`${where}: "namespace" must be a valid name, got ${JSON.stringify(namespace)}`);
    }
    if (iface !== undefined) return fail(`${where}: "interface" is not supported; extra interfaces are net1, net2, …`);
    out.push(namespace === undefined ? { name } : { name, namespace: namespace as string });
  }
  return { ok: true, value: out };
}

/** JSON, or else the Python literal form (single-quoted strings, True/False/None) contrail-kube-manager accepts. */
export function parseJsonOrPythonLiteral(text: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (jsonError) {
    const converted = pythonLiteralToJson(text);
    if (converted !== undefined) {
      try {
        return { ok: true, value: JSON.parse(converted) };
      } catch {
        // Report the JSON error: it names the position in the text as written.
      }
    }
    return fail(`neither JSON nor a Python dict: ${(jsonError as Error).message}`);
  }
}

const PYTHON_WORDS: Readonly<Record<string, string>> = { True: 'true', False: 'false', None: 'null' };

/** Rewrites single-quoted strings as JSON strings and Python's True/False/None; undefined for an unclosed string. */
function pythonLiteralToJson(text: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = closingQuote(text, i);
      if (end < 0) return undefined;
      out += JSON.stringify(unescapePython(text.slice(i + 1, end)));
      i = end + 1;
      continue;
    }
    const word = /^[A-Za-z_]+/.exec(text.slice(i))?.[0];
    if (word !== undefined) {
      out += PYTHON_WORDS[word] ?? word;
      i += word.length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function closingQuote(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

function unescapePython(body: string): string {
  return body.replace(/\\(.)/g, (_, next: string) => ({ n: '\n', t: '\t', r: '\r' })[next] ?? next);
}
