import { forbidden, type AuthRefusal } from './auth-refusal.js';
import { checkAccess } from './check-access.js';
import { kubemanagerClusters, writesAnything, type Principal } from './principal.js';

/*
 * Whether a principal may run one config command, given the object it acts on as the command finds it. Pure: the
 * command service calls it inside its decide step, against the same state the decision reads, so REST and gRPC
 * share it and a concurrent change of the object is decided again (and checked again).
 *
 * An operator or an admin writes anything. A kubemanager (role kubemanager:<C>) writes only its own cluster's
 * objects, those that carry the annotations owner=k8s and cluster=C (docs/kubemanager.md §1):
 * * create: the body carries them;
 * * update, delete, ref-update: the existing object carries them, and an update may not remove or change them;
 * * plus create and update of its cluster object `default-global-system-config:C` (a kubemanager started by hand
 *   records its cluster when it is missing).
 * An update, delete or ref-update of an object that does not exist is let through: the decision answers 404 and
 * writes nothing.
 */

export type CommandKind = 'create' | 'update' | 'delete' | 'ref-update';

export interface CommandRequest {
  kind: CommandKind;
  /** The resource type, e.g. virtual-network. */
  type: string;
  uuid?: string;
  /** create and update: the object's fields as sent. */
  body?: Readonly<Record<string, unknown>>;
}

/** The object a command acts on, as the state holds it. */
export interface ExistingObject {
  type: string;
  fq_name: readonly string[];
  props: Readonly<Record<string, unknown>>;
}

const GLOBAL_SYSTEM_CONFIG = 'default-global-system-config';
export const OWNER_KEY = 'owner';
export const OWNER_K8S = 'k8s';
export const CLUSTER_KEY = 'cluster';

/** Undefined when allowed; otherwise the refusal (403, or 401 for an anonymous caller without the write right). */
export function authorizeCommand(principal: Principal, command: CommandRequest, existing: ExistingObject | undefined): AuthRefusal | undefined {
  if (writesAnything(principal)) return undefined;
  const clusters = kubemanagerClusters(principal);
  if (clusters.length === 0) return checkAccess(principal, 'write', `${command.kind} a ${command.type}`);
  let refusal: AuthRefusal | undefined;
  for (const cluster of clusters) {
    refusal = scopeRefusal(principal.actor, cluster, command, existing);
    if (!refusal) return undefined;
  }
  return refusal;
}

function scopeRefusal(actor: string, cluster: string, command: CommandRequest, existing: ExistingObject | undefined): AuthRefusal | undefined {
  const refuse = (why: string) => forbidden('scope', `${actor} may write only the objects of cluster ${cluster} (annotations ${OWNER_KEY}=${OWNER_K8S}, ${CLUSTER_KEY}=${cluster}): ${why}`);
  const body = command.body ?? {};
  if (command.kind === 'create') {
    if (command.type === 'cluster' && isClusterFqName(body.fq_name, cluster)) return undefined;
    if (ownedBy(body.annotations, cluster)) return undefined;
    return refuse(`the new ${command.type} does not carry them (${ownershipOf(body.annotations)})`);
  }
  if (!existing) return undefined;
  const what = `${existing.type} ${existing.fq_name.join(':')}`;
  if (command.kind === 'update' && existing.type === 'cluster' && isClusterFqName(existing.fq_name, cluster)) return undefined;
  if (!ownedBy(existing.props.annotations, cluster)) return refuse(`${what} is not one of them (${ownershipOf(existing.props.annotations)})`);
  if (command.kind === 'update' && Object.hasOwn(body, 'annotations') && !ownedBy(body.annotations, cluster)) {
    return refuse(`the update would remove or change them on ${what} (${ownershipOf(body.annotations)})`);
  }
  return undefined;
}

function isClusterFqName(fqName: unknown, cluster: string): boolean {
  return Array.isArray(fqName) && fqName.length === 2 && fqName[0] === GLOBAL_SYSTEM_CONFIG && fqName[1] === cluster;
}

/** The values of each key of `annotations.key_value_pair`. */
function annotationValues(annotations: unknown, key: string): string[] {
  const pairs = (annotations as { key_value_pair?: unknown } | null | undefined)?.key_value_pair;
  if (!Array.isArray(pairs)) return [];
  return pairs
    .filter((p): p is { key: unknown; value: unknown } => p !== null && typeof p === 'object' && (p as { key?: unknown }).key === key)
    .map((p) => String(p.value));
}

/**
 * Owned by `cluster`: owner=k8s and cluster=<cluster>, with no other value for either key (a second `cluster` entry
 * would let an object claim two clusters).
 */
export function ownedBy(annotations: unknown, cluster: string): boolean {
  const owners = annotationValues(annotations, OWNER_KEY);
  const clusters = annotationValues(annotations, CLUSTER_KEY);
  return owners.length > 0 && owners.every((v) => v === OWNER_K8S) && clusters.length > 0 && clusters.every((v) => v === cluster);
}

/** "owner=k8s, cluster=west" or "no owner annotations", for messages. */
function ownershipOf(annotations: unknown): string {
  const pairs = [...annotationValues(annotations, OWNER_KEY).map((v) => `${OWNER_KEY}=${v}`), ...annotationValues(annotations, CLUSTER_KEY).map((v) => `${CLUSTER_KEY}=${v}`)];
  return pairs.length > 0 ? pairs.join(', ') : 'no owner annotations';
}
