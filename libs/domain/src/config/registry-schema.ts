import { RESOURCE_TYPE_NAMES, RESOURCE_TYPES, resourceType, validateResourceBody } from '../schema/index.js';
import type { ResourceSchema, ResourceTypeInfo } from './resource-schema.js';
import { CONFIG_RULES } from './rules/index.js';
import type { ConfigModel } from './decide.js';

const infos = new Map<string, ResourceTypeInfo>();
for (const name of RESOURCE_TYPE_NAMES) {
  const spec = RESOURCE_TYPES[name];
  if (spec.implicit) continue;
  infos.set(name, {
    type: name,
    parents: spec.parents.filter((p) => p !== 'config-root'),
    rootAllowed: spec.parents.includes('config-root'),
    defaultParentFqName: spec.defaultParent && spec.defaultParent.type !== 'config-root' ? spec.defaultParent.fqName : undefined,
    refTypes: spec.refs.map((r) => r.to),
    props: new Set(spec.properties.map((p) => p.name)),
    systemOnly: !spec.creatable,
  });
}

/** The deciders' view of the type registry (libs/domain/src/schema): Contrail's schema facts for every served type. */
export const registrySchema: ResourceSchema = {
  types: () => [...infos.keys()],
  info: (type) => (resourceType(type) ? infos.get(type) : undefined),
  validateBody: (type, body, mode) => validateResourceBody(type, body, { operation: mode }).problems,
};

/** The config plane's model: the registry and each type's rules. */
export const CONFIG_MODEL: ConfigModel = { schema: registrySchema, rules: CONFIG_RULES };
