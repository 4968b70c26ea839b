import { fieldPath, itemPath, type SchemaProblem } from './schema-problem.js';
import { STRING_FORMAT_DESCRIPTIONS, matchesFormat, type StringFormat } from './string-formats.js';

/**
 * The JSON shape of an XSD type as contrail-api exchanges it: elements become keys with `-` turned into `_`,
 * `maxOccurs="unbounded"` elements become lists. A small closed vocabulary, so one walker checks every type.
 */
export type Shape =
  | { readonly kind: 'string'; readonly format?: StringFormat; readonly oneOf?: readonly string[] }
  | { readonly kind: 'integer'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'list'; readonly item: Shape }
  /** A JSON object used as a dictionary, e.g. a label selector's `match_labels`. */
  | { readonly kind: 'map'; readonly value: Shape }
  | { readonly kind: 'complex'; readonly type: ComplexType }
  /** A complex type we store and return verbatim without looking inside. */
  | { readonly kind: 'object'; readonly typeName: string }
  /** Any one of several shapes, e.g. U32BitHexInt: an integer or a `0x…` string. */
  | { readonly kind: 'either'; readonly options: readonly Shape[]; readonly description: string }
  /** A type whose definition is not in our copy of the schema: taken as is. */
  | { readonly kind: 'any' };

/** A checked XSD complex type: its fields in JSON form and the rules that span several fields. */
export interface ComplexType {
  readonly name: string;
  readonly fields: Readonly<Record<string, Shape>>;
  /** Fields that must be present and not null. Contrail's generated classes send absent optional fields as null. */
  readonly required: readonly string[];
  readonly refine?: (value: JsonObject, path: string, problems: SchemaProblem[]) => void;
}

export type JsonObject = Readonly<Record<string, unknown>>;

export const str = (format?: StringFormat): Shape => (format === undefined ? { kind: 'string' } : { kind: 'string', format });
export const oneOf = (...values: string[]): Shape => ({ kind: 'string', oneOf: values });
export const int = (min?: number, max?: number): Shape => ({ kind: 'integer', min, max });
export const bool: Shape = { kind: 'boolean' };
export const listOf = (item: Shape): Shape => ({ kind: 'list', item });
export const mapOf = (value: Shape): Shape => ({ kind: 'map', value });
export const complex = (type: ComplexType): Shape => ({ kind: 'complex', type });
export const opaque = (typeName: string): Shape => ({ kind: 'object', typeName });
export const anyValue: Shape = { kind: 'any' };

export function complexType(
  name: string,
  fields: Record<string, Shape>,
  options: { required?: readonly string[]; refine?: ComplexType['refine'] } = {},
): ComplexType {
  return { name, fields, required: options.required ?? [], refine: options.refine };
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A present value: null stands for "not set" throughout the vnc_api wire format. */
export function isSet(value: unknown): boolean {
  return value !== null && value !== undefined;
}

/** Appends to `problems` one entry per way `value` misses `shape`. Null and undefined are "absent" and pass. */
export function checkShape(shape: Shape, value: unknown, path: string, problems: SchemaProblem[]): void {
  if (!isSet(value)) return;
  const fail = (expected: string): void => {
    problems.push({ path, message: `expected ${expected}, got ${describe(value)}` });
  };
  switch (shape.kind) {
    case 'string':
      if (typeof value !== 'string') return fail('a string');
      if (shape.oneOf !== undefined && !shape.oneOf.includes(value)) return fail(`one of ${shape.oneOf.map(quote).join(', ')}`);
      if (shape.format !== undefined && !matchesFormat(shape.format, value)) return fail(STRING_FORMAT_DESCRIPTIONS[shape.format]);
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail(describeRange('an integer', shape.min, shape.max));
      if ((shape.min !== undefined && value < shape.min) || (shape.max !== undefined && value > shape.max)) {
        return fail(describeRange('an integer', shape.min, shape.max));
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail('true or false');
      return;
    case 'list':
      if (!Array.isArray(value)) return fail('a list');
      value.forEach((item, i) => {
        if (isSet(item)) checkShape(shape.item, item, itemPath(path, i), problems);
        else problems.push({ path: itemPath(path, i), message: 'a list item must not be null' });
      });
      return;
    case 'map':
      if (!isJsonObject(value)) return fail('an object');
      for (const [key, item] of Object.entries(value)) checkShape(shape.value, item, fieldPath(path, key), problems);
      return;
    case 'complex':
      return checkComplex(shape.type, value, path, problems);
    case 'object':
      if (!isJsonObject(value)) fail(`an object (${shape.typeName})`);
      return;
    case 'either':
      if (!shape.options.some((option) => accepts(option, value))) fail(shape.description);
      return;
    case 'any':
      return;
    default: {
      const unknown: never = shape;
      throw new Error(`no such shape: ${JSON.stringify(unknown)}`);
    }
  }
}

/** True when `value` has `shape`. */
export function accepts(shape: Shape, value: unknown): boolean {
  const problems: SchemaProblem[] = [];
  checkShape(shape, value, '', problems);
  return problems.length === 0;
}

function checkComplex(type: ComplexType, value: unknown, path: string, problems: SchemaProblem[]): void {
  if (!isJsonObject(value)) {
    problems.push({ path, message: `expected an object (${type.name}), got ${describe(value)}` });
    return;
  }
  const before = problems.length;
  for (const [key, item] of Object.entries(value)) {
    // Own fields only: a key such as `toString` or `__proto__` must not find what every object inherits.
    const shape = Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
    // contrail-api rejects these too: "class IpamSubnetType does not have field …" (_validate_complex_type).
    if (shape === undefined) problems.push({ path: fieldPath(path, key), message: `unknown field ${key} in ${type.name}` });
    else checkShape(shape, item, fieldPath(path, key), problems);
  }
  for (const key of type.required) {
    if (!isSet(value[key])) problems.push({ path: fieldPath(path, key), message: `${key} is required in ${type.name}` });
  }
  // Cross-field rules assume well-typed fields; they would only repeat what is already reported.
  if (problems.length === before) type.refine?.(value, path, problems);
}

function describeRange(what: string, min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
  if (min !== undefined) return `${what} of at least ${min}`;
  if (max !== undefined) return `${what} of at most ${max}`;
  return what;
}

function quote(text: string): string {
  return `'${text}'`;
}

/** A short rendering of a received value for messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    // Deeper than JSON.stringify's recursion goes (a body nested thousands of levels deep): a refusal, not a crash.
    return Array.isArray(value) ? 'a list nested too deeply to show' : 'an object nested too deeply to show';
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
