/**
 * One thing wrong with a request body, found by the schema checks.
 *
 * `path` names the offending value the way a client would reach it in the JSON it sent, e.g.
 * `network_ipam_refs[0].attr.ipam_subnets[1].subnet.ip_prefix_len`; it is '' for the body as a whole.
 * `status` is the HTTP code Contrail answers for this kind of problem: absent means 400 (BadRequest); 403
 * (PermissionDenied) marks a field only the system may set, as contrail-api does for `virtual_network_network_id`;
 * 404 (NoIdError) an unknown resource type.
 */
export interface SchemaProblem {
  readonly path: string;
  readonly message: string;
  readonly status?: 403 | 404;
}

/** The HTTP status for a list of problems: the most specific one any problem asks for, else 400. */
export function statusForProblems(problems: readonly SchemaProblem[]): 400 | 403 | 404 {
  if (problems.some((p) => p.status === 404)) return 404;
  if (problems.some((p) => p.status === 403)) return 403;
  return 400;
}

/** `base.key`, or `key` at the top of the body. */
export function fieldPath(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

/** `base[index]`. */
export function itemPath(base: string, index: number): string {
  return `${base}[${index}]`;
}
