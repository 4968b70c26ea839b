/** Nest injection tokens of the audit plane: the AuditEngine (started) and the queries the edges answer with. */
export const AUDIT_ENGINE = Symbol('AUDIT_ENGINE');
export const AUDIT_QUERIES = Symbol('AUDIT_QUERIES');
