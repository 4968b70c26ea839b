import { randomUUID } from 'node:crypto';
import { KubeApiError, alreadyExists, badRequest, conflict, invalid, notFound } from './errors.js';
import { isJsonObject, jsonEqual } from './json.js';
import { type Change, type ChangeListener, type ChangeType, KindHistory } from './kind-history.js';
import { KINDS, type KindInfo, type KindName, findKind } from './kinds.js';
import { applyMergePatch } from './merge-patch.js';
import { type KubeObject, type KubeObjectInput, type ObjectMeta, kubeTimestamp, objectKey } from './objects.js';

export interface ObjectStoreOptions {
  /** Changes held per kind for watches to replay; see KindHistory. Default 10,000. */
  historyLimit?: number;
}

const DEFAULT_HISTORY_LIMIT = 10_000;
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Objects of every kind under one global resourceVersion counter, as etcd keeps them: each create, update and delete
 * takes the next rv and the object's `metadata.resourceVersion` is the rv of its last change. A write that changes
 * nothing (same content) takes no rv and makes no event, as on the real server.
 *
 * Objects handed out (`get`, `list`, the results of writes) are copies; the stored ones are never mutated.
 */
export class ObjectStore {
  private rv = 0;
  private readonly histories = new Map<KindName, KindHistory>();

  constructor(options: ObjectStoreOptions = {}) {
    const limit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    for (const info of KINDS) this.histories.set(info.kind, new KindHistory(limit));
  }

  /** The rv of the last write, as a string (what a list answers in `metadata.resourceVersion`). */
  get resourceVersion(): string {
    return String(this.rv);
  }

  get currentRv(): number {
    return this.rv;
  }

  /** Creates `input`: fills uid, creationTimestamp, rv, and namespace `default` for a namespaced kind without one. */
  create(kind: KindName, input: KubeObjectInput): KubeObject {
    const info = kindOf(kind);
    const object = typed(info, structuredClone(input));
    const meta = object.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    const name = validName(info, meta.name);
    if (info.namespaced) meta.namespace = meta.namespace || 'default';
    else delete meta.namespace;
    const history = this.history(kind);
    const key = objectKey(meta.namespace, name);
    if (history.objects.has(key)) throw alreadyExists(info, name);
    meta.uid = randomUUID();
    meta.creationTimestamp = kubeTimestamp();
    delete meta.deletionTimestamp;
    if (object.spec !== undefined) meta.generation = 1;
    else delete meta.generation;
    return structuredClone(this.commit(info, 'ADDED', withDefaults(info, object), undefined));
  }

  /**
   * Replaces the object named by `input`'s namespace and name. A `metadata.resourceVersion` in `input` is a
   * precondition (409 Conflict when it is not the stored one); uid and creationTimestamp are kept.
   */
  update(kind: KindName, input: KubeObjectInput): KubeObject {
    const info = kindOf(kind);
    const object = typed(info, structuredClone(input));
    const name = validName(info, object.metadata.name);
    const namespace = info.namespaced ? object.metadata.namespace || 'default' : undefined;
    const current = this.history(kind).objects.get(objectKey(namespace, name));
    if (current === undefined) throw notFound(info, name);
    return structuredClone(this.replace(info, current, object));
  }

  /** Applies a JSON merge patch (RFC 7386) to the stored object; a resourceVersion in the patch is a precondition. */
  mergePatch(kind: KindName, namespace: string | undefined, name: string, patch: unknown): KubeObject {
    if (!isJsonObject(patch)) throw badRequest('a merge patch must be a JSON object');
    return this.patch(kind, namespace, name, (current) => applyMergePatch(current, patch));
  }

  /** Replaces the stored object with `apply(current)` (any patch format); the result must keep name and namespace. */
  patch(kind: KindName, namespace: string | undefined, name: string, apply: (current: KubeObject) => unknown): KubeObject {
    const info = kindOf(kind);
    const current = this.stored(kind, namespace, name);
    if (current === undefined) throw notFound(info, name);
    const patched = apply(current);
    if (!isJsonObject(patched) || !isJsonObject(patched.metadata)) throw badRequest('the patched object has no metadata');
    const object = typed(info, patched);
    if (object.metadata.name !== current.metadata.name) {
      throw badRequest(`the name of the object (${String(object.metadata.name)}) does not match the name on the URL (${name})`);
    }
    if (info.namespaced && object.metadata.namespace !== current.metadata.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    return structuredClone(this.replace(info, current, object));
  }

  /** Deletes the object: the DELETED event carries its last state with a new rv and a deletionTimestamp. */
  delete(kind: KindName, namespace: string | undefined, name: string): KubeObject {
    const info = kindOf(kind);
    const current = this.stored(kind, namespace, name);
    if (current === undefined) throw notFound(info, name);
    const gone = { ...current, metadata: { ...current.metadata, deletionTimestamp: kubeTimestamp() } };
    return structuredClone(this.commit(info, 'DELETED', gone, current));
  }

  /** A copy of the object, or undefined. `namespace` is ignored for a cluster-scoped kind. */
  get(kind: KindName, namespace: string | undefined, name: string): KubeObject | undefined {
    const object = this.stored(kind, namespace, name);
    return object === undefined ? undefined : structuredClone(object);
  }

  /** Copies of the objects of a kind (of one namespace when given), in creation order. */
  list(kind: KindName, namespace?: string): KubeObject[] {
    const objects = [...this.history(kind).objects.values()];
    return structuredClone(namespace === undefined ? objects : objects.filter((object) => object.metadata.namespace === namespace));
  }

  /** The stored object itself (never to be mutated), for serving. */
  stored(kind: KindName, namespace: string | undefined, name: string): KubeObject | undefined {
    const info = kindOf(kind);
    return this.history(kind).objects.get(objectKey(info.namespaced ? namespace || 'default' : undefined, name));
  }

  /** The stored objects of a kind (never to be mutated), for serving. */
  storedObjects(kind: KindName): Iterable<KubeObject> {
    return this.history(kind).objects.values();
  }

  /** The changes of a kind after `rv`, oldest first; a KubeApiError 410 Expired when `rv` is before the floor. */
  changesSince(kind: KindName, rv: number): Change[] {
    return this.history(kind).since(rv);
  }

  /** Calls `listener` synchronously on every later change of the kind; returns the unsubscribe function. */
  subscribe(kind: KindName, listener: ChangeListener): () => void {
    const listeners = this.history(kind).listeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** Moves every kind's history floor to the current rv, as an etcd compaction does. */
  compact(): void {
    for (const history of this.histories.values()) history.compact(this.rv);
  }

  /** Changes held for replay, all kinds together (for tests of the history bound). */
  get historyLength(): number {
    let total = 0;
    for (const history of this.histories.values()) total += history.historyLength;
    return total;
  }

  private history(kind: KindName): KindHistory {
    return this.histories.get(kind) as KindHistory;
  }

  private replace(info: KindInfo, current: KubeObject, next: KubeObject): KubeObject {
    const wanted = next.metadata;
    const name = current.metadata.name as string;
    if (wanted.resourceVersion && wanted.resourceVersion !== current.metadata.resourceVersion) throw conflict(info, name);
    if (wanted.uid && wanted.uid !== current.metadata.uid) {
      throw new KubeApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${wanted.uid}, UID in object meta: ${String(current.metadata.uid)}`);
    }
    const meta: ObjectMeta = {
      ...wanted,
      name,
      uid: current.metadata.uid,
      resourceVersion: current.metadata.resourceVersion,
      creationTimestamp: current.metadata.creationTimestamp,
    };
    if (info.namespaced) meta.namespace = current.metadata.namespace;
    else delete meta.namespace;
    delete meta.deletionTimestamp;
    delete meta.generation;
    if (current.metadata.generation !== undefined || next.spec !== undefined) {
      const generation = current.metadata.generation ?? 0;
      meta.generation = jsonEqual(current.spec, next.spec) ? generation : generation + 1;
    }
    const object = withDefaults(info, { ...next, metadata: meta });
    if (jsonEqual(object, current)) return current;
    return this.commit(info, 'MODIFIED', object, current);
  }

  private commit(info: KindInfo, type: ChangeType, object: KubeObject, previous: KubeObject | undefined): KubeObject {
    this.rv += 1;
    const stored: KubeObject = { ...object, metadata: { ...object.metadata, resourceVersion: String(this.rv) } };
    const history = this.history(info.kind);
    const key = objectKey(stored.metadata.namespace, stored.metadata.name as string);
    if (type === 'DELETED') history.objects.delete(key);
    else history.objects.set(key, stored);
    history.record({ rv: this.rv, type, object: stored, previous: type === 'MODIFIED' ? previous : undefined });
    return stored;
  }
}

function kindOf(kind: KindName): KindInfo {
  const info = findKind(kind);
  if (info === undefined) throw badRequest(`the fake API server does not serve kind ${JSON.stringify(kind)}`);
  return info;
}

/** The object with TypeMeta first and set, as the server writes it; a body of another kind or version is a 400. */
function typed(info: KindInfo, input: unknown): KubeObject {
  if (!isJsonObject(input)) throw badRequest(`the body of a ${info.kind} must be a JSON object`);
  const { apiVersion, kind, metadata, ...rest } = input;
  if (kind !== undefined && kind !== info.kind) throw badRequest(`the kind in the body (${String(kind)}) does not match the expected kind (${info.kind})`);
  if (apiVersion !== undefined && apiVersion !== info.apiVersion) {
    throw badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${info.apiVersion})`);
  }
  if (metadata !== undefined && !isJsonObject(metadata)) throw badRequest('metadata must be a JSON object');
  return { apiVersion: info.apiVersion, kind: info.kind, metadata: { ...(metadata as ObjectMeta | undefined) }, ...rest };
}

/** apimachinery's path segment rules for names, plus "required". */
function validName(info: KindInfo, name: unknown): string {
  if (typeof name !== 'string' || name === '') throw invalid(info, '', 'metadata.name: Required value: name or generateName is required');
  if (name === '.' || name === '..') throw invalid(info, name, `metadata.name: Invalid value: "${name}": may not be '${name}'`);
  for (const bad of ['/', '%']) if (name.includes(bad)) throw invalid(info, name, `metadata.name: Invalid value: "${name}": may not contain '${bad}'`);
  return name;
}

/** Fields the real server sets on every write of a kind (a namespace's name label, which policies select on). */
function withDefaults(info: KindInfo, object: KubeObject): KubeObject {
  if (info.kind !== 'Namespace') return object;
  const name = object.metadata.name as string;
  const status = isJsonObject(object.status) ? object.status : {};
  return {
    ...object,
    metadata: { ...object.metadata, labels: { ...object.metadata.labels, [NAMESPACE_NAME_LABEL]: name } },
    status: { phase: 'Active', ...status },
  };
}

/** generateName's random part: 5 characters of the alphabet apimachinery uses (no vowels, no look-alikes). */
function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += alphabet[Math.floor(Math.random() * alphabet.length)];
  return suffix;
}
