/*
 * Roles and the rights they carry (DESIGN §8). Three coarse rights split what a caller may do: `read` the config
 * (REST GETs, lists, the lookups, ConfigService reads and Watch, /control/*), `write` it (the commands) and `audit`
 * (the log and its history: /audit/*, AuditService).
 *
 * | role                  | read | write                                            | audit |
 * |-----------------------|------|--------------------------------------------------|-------|
 * | admin                 | yes  | yes, and may name the actor it acts for          | yes   |
 * | operator              | yes  | yes                                              | yes   |
 * | reader                | yes  | no                                               | yes   |
 * | kubemanager:<cluster> | yes  | its own cluster's objects only (authorize-command.ts) | no |
 */

export const BASE_ROLES = ['admin', 'operator', 'reader'] as const;
export type BaseRole = (typeof BASE_ROLES)[number];
/** The role of one workload cluster's kubemanager. */
export type KubemanagerRole = `kubemanager:${string}`;
export type Role = BaseRole | KubemanagerRole;

export type Right = 'read' | 'write' | 'audit';

const KUBEMANAGER_PREFIX = 'kubemanager:';
/** A cluster's name: a DNS label, as the kubemanager's KUBEMANAGER_CLUSTER. */
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const RIGHTS: Readonly<Record<BaseRole, ReadonlySet<Right>>> = {
  admin: new Set(['read', 'write', 'audit']),
  operator: new Set(['read', 'write', 'audit']),
  reader: new Set(['read', 'audit']),
};
/** A kubemanager writes too, but only within its cluster's scope: the command path checks that part. */
const KUBEMANAGER_RIGHTS: ReadonlySet<Right> = new Set(['read', 'write']);

/** What the text of a role may be, for error messages. */
export const ROLE_SYNTAX = 'admin, operator, reader or kubemanager:<cluster>';

/** The role `text` names, or undefined when it names none. */
export function parseRole(text: string): Role | undefined {
  if ((BASE_ROLES as readonly string[]).includes(text)) return text as BaseRole;
  if (text.startsWith(KUBEMANAGER_PREFIX) && CLUSTER_NAME.test(text.slice(KUBEMANAGER_PREFIX.length))) return text as KubemanagerRole;
  return undefined;
}

/** The cluster of a kubemanager role; undefined for the other roles. */
export function clusterOfRole(role: Role): string | undefined {
  return role.startsWith(KUBEMANAGER_PREFIX) ? role.slice(KUBEMANAGER_PREFIX.length) : undefined;
}

/** Whether `role` carries `right` (a kubemanager's write right is scoped: see authorizeCommand). */
export function roleHasRight(role: Role, right: Right): boolean {
  const cluster = clusterOfRole(role);
  if (cluster !== undefined) return KUBEMANAGER_RIGHTS.has(right);
  return RIGHTS[role as BaseRole].has(right);
}

/** The roles that carry `right` without a scope, in words: "operator or admin". */
export function rolesWithRight(right: Right): string {
  switch (right) {
    case 'read':
      return 'reader, operator, admin or kubemanager:<cluster>';
    case 'write':
      return 'operator or admin';
    case 'audit':
      return 'reader, operator or admin';
  }
}
