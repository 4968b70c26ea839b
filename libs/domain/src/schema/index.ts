export { statusForProblems, type SchemaProblem } from './schema-problem.js';
export {
  RESOURCE_TYPE_NAMES,
  type DefaultParent,
  type Operations,
  type Presence,
  type PropertySpec,
  type RefSpec,
  type ResourceTypeName,
  type ResourceTypeSpec,
} from './resource-type-spec.js';
export {
  RESOURCE_TYPES,
  childTypesOf,
  findProperty,
  findRef,
  isResourceTypeName,
  jsonNameOf,
  resourceType,
  resourceTypeByJsonName,
  resourceTypeByPlural,
} from './resource-types.js';
export {
  OPAQUE_COMPLEX_TYPES,
  UNCHECKED_TYPES,
  shapeOfType,
  validateCidrList,
  validateIdPerms,
  validateInstanceTarget,
  validateIpAddress,
  validateIpAddressFamily,
  validateIpamSubnet,
  validateIpamSubnets,
  validateKeyValuePairs,
  validateLabelSelector,
  validateMacAddresses,
  validatePerms2,
  validatePolicyEntries,
  validatePolicyRule,
  validateRouteTargetList,
  validateTypedValue,
  validateVirtualNetworkPolicy,
  validateVirtualNetworkType,
  validateVnSubnets,
  type PropertyValidator,
} from './property-validators.js';
export { validateResourceBody, type ResourceBodyValidation, type ValidateResourceBodyOptions } from './validate-resource-body.js';
export { XSD_SIMPLE_TYPES } from './xsd-simple-types.js';
export { OWN_VALUE_TYPES, XSD_COMPLEX_TYPES } from './xsd-complex-types.js';
export type { ComplexType as XsdComplexType, Shape as XsdShape } from './value-shapes.js';
export { matchesFormat, type StringFormat } from './string-formats.js';
