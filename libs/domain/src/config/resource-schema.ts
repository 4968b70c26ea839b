/**
 * What the deciders need to know about a resource type. The registry of types (libs/domain/src/schema) provides
 * it; deciders depend on this small interface only.
 */
export interface ResourceTypeInfo {
  /** REST name, hyphenated: `virtual-network`. */
  type: string;
  /** Allowed parent types; empty for a child of config-root, whose fq_name has one element. */
  parents: readonly string[];
  /** May also hang off config-root with a one-element fq_name although it has parents (tag). */
  rootAllowed?: boolean;
  /** fq_name of the parent used when a create names neither fq_name nor parent. */
  defaultParentFqName?: readonly string[];
  /** Types this type may hold refs to (`network-ipam` for `network_ipam_refs`). */
  refTypes: readonly string[];
  /** Property names (JSON keys) the type has, including the common ones (`display_name`, `id_perms` …). */
  props: ReadonlySet<string>;
  /** Derived by the system; users may read and list it, not create, change or delete it. */
  systemOnly: boolean;
}

/** A problem found in a request body, with where it is and the status it deserves (400 unless said). */
export interface BodyProblem {
  path: string;
  message: string;
  status?: 400 | 403 | 404;
}

export interface ResourceSchema {
  /** Every type served, REST names. */
  types(): readonly string[];
  info(type: string): ResourceTypeInfo | undefined;
  /** Shape and range checks of a create or update body (the inner object of `{"<type>": {...}}`). */
  validateBody(type: string, body: Record<string, unknown>, mode: 'create' | 'update'): BodyProblem[];
}
