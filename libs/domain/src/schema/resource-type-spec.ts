/**
 * How the registry describes one resource type: the facts of Contrail's schema (vnc_cfg.xsd and the files it
 * includes) for that type, in the JSON form the REST API uses, plus which of them this controller acts on.
 */

/** The resource types this controller serves, by REST name. */
export const RESOURCE_TYPE_NAMES = [
  'config-root',
  'global-system-config',
  'domain',
  'project',
  'network-ipam',
  'virtual-network',
  'network-policy',
  'security-group',
  'virtual-router',
  'virtual-machine',
  'virtual-machine-interface',
  'instance-ip',
  'tag',
  'routing-instance',
  'route-target',
  'virtual-network-router',
  'cluster',
] as const;

export type ResourceTypeName = (typeof RESOURCE_TYPE_NAMES)[number];

/** XSD presence of a property or link. Contrail does not enforce `required` on create; `system-only` it guards. */
export type Presence = 'required' | 'optional' | 'system-only';

/** XSD operations a client may perform on a field: C(reate) R(ead) U(pdate) D(elete). */
export type Operations = 'CRUD' | 'CRD' | 'CR' | 'RU' | 'R';

export interface PropertySpec {
  /** JSON key: the XSD element name with `-` turned into `_`, e.g. `virtual_network_properties`. */
  readonly name: string;
  /** XSD type: `VirtualNetworkType`, `xsd:boolean`; for our own types a name of ours (`LabelSelectorType`). */
  readonly type: string;
  readonly presence: Presence;
  readonly operations: Operations;
  /**
   * `propl` for an XSD ListProperty, `propm` for a MapProperty: stored per item and editable item by item
   * through `/prop-collection-update`. Absent for a plain property.
   */
  readonly collection?: 'propl' | 'propm';
  /** For a collection: the list field inside the wrapper object, e.g. `key_value_pair` in `{key_value_pair: [...]}`. */
  readonly collectionField?: string;
  /** For a `propm`: the item field that keys the map (`key`). */
  readonly mapKey?: string;
  /** The XSD default, which Contrail applies when the property is absent. */
  readonly default?: boolean | number | string;
  /** True when this controller acts on the value; false: stored and returned verbatim. */
  readonly interpreted: boolean;
}

export interface RefSpec {
  /** Hyphenated type the ref points at, e.g. `network-ipam`. Not necessarily a type we serve. */
  readonly to: string;
  /** JSON key of the ref list, e.g. `network_ipam_refs`. */
  readonly field: string;
  /** XSD link element, e.g. `virtual-network-network-ipam`. */
  readonly link: string;
  /** XSD type of the link attribute (`attr`), e.g. `VnSubnetsType`; null when the link carries no data. */
  readonly attrType: string | null;
  readonly presence: Presence;
  readonly interpreted: boolean;
}

export interface DefaultParent {
  readonly type: ResourceTypeName;
  /** The parent's fq_name, e.g. `['default-domain', 'default-project']`; `[]` for config-root. */
  readonly fqName: readonly string[];
}

export interface ResourceTypeSpec {
  /** REST name: `virtual-network`; also the wrapper key of bodies and the `resource-base` path `/virtual-network/<uuid>`. */
  readonly name: ResourceTypeName;
  /** Collection path segment: `virtual-networks`. */
  readonly plural: string;
  /** Underscore form used in JSON keys: `virtual_network` → `virtual_network_refs`, `virtual_network_back_refs`. */
  readonly jsonName: string;
  /** Key of this type's children list in its parent's body: `virtual_networks`. */
  readonly childrenKey: string;
  /** `contrail`: declared by Contrail's schema; `own`: ours (CN2-style additions), absent from vnc_api. */
  readonly origin: 'contrail' | 'own';
  /** config-root: exists once, implicitly; never created, updated or deleted through the API. */
  readonly implicit: boolean;
  /** Derived by the controller (routing-instance, route-target): clients may list and read, not write. */
  readonly systemOnly: boolean;
  /** May a client POST one? False for implicit and system-only types. */
  readonly creatable: boolean;
  /**
   * Parent types. Empty: the type hangs off config-root and its fq_name has one element. `config-root` is listed
   * only beside another parent, for a type that may be global or scoped (tag).
   */
  readonly parents: readonly ResourceTypeName[];
  /** Parent assumed when a create body names none (vnc_api's defaults); null for config-root. */
  readonly defaultParent: DefaultParent | null;
  /** Every property the schema declares for the type, the common ones (id_perms, perms2, annotations, display_name) included. */
  readonly properties: readonly PropertySpec[];
  /** Every ref the schema declares for the type, `tag_refs` included. */
  readonly refs: readonly RefSpec[];
}
