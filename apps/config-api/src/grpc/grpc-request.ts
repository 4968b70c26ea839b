import type { Metadata } from '@grpc/grpc-js';
import { badRequest } from '#libs/domain';
import type { JsonValue } from '#libs/event-store';
import { actorFor, type CallAuth } from '../auth/call-auth.js';
import type { CommandMeta } from '../commands/config-command.service.js';
import { LIST_PARAMETERS } from '../rest/list-query.js';

/*
 * Reading gRPC requests into what the command service and the views take, with REST's rules: every malformed
 * input is a 400 (INVALID_ARGUMENT) that names the field and says what was expected, before anything is written.
 */

/** The longest Idempotency-Key REST accepts; the same holds for idempotency_key. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** REST's list query parameters, the only names ListRequest.parameters may use. */
const LIST_PARAMETER_NAMES: ReadonlySet<string> = new Set(LIST_PARAMETERS);

/**
 * Who is calling, as REST reads it: the principal the auth gate let through (`auth`), with `x-user-name` or
 * `x-actor` counting only for an anonymous caller or an admin acting for a user (auth/call-auth.ts actorFor);
 * `x-request-id` is the correlation id; the source is 'grpc'.
 */
export function commandMetaOf(metadata: Metadata, idempotencyKey = '', auth?: CallAuth): CommandMeta {
  const actor = actorFor(auth?.principal, text(metadata, 'x-user-name') ?? text(metadata, 'x-actor'));
  if (idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw badRequest(`idempotency_key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, not ${idempotencyKey.length}`, 'idempotency_key');
  }
  return {
    actor,
    source: 'grpc',
    correlationId: text(metadata, 'x-request-id'),
    commandId: idempotencyKey === '' ? undefined : idempotencyKey,
    principal: auth?.principal,
    origin: auth?.origin,
  };
}

function text(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A required string field: proto3 sends an absent string as ''. */
export function required(value: string, field: string, what: string): string {
  if (value.length === 0) throw badRequest(`${field} is required: ${what}`, field);
  return value;
}

/**
 * object_json → the object's fields. Takes the REST body `{"<type>": {...}}` or the inner object alone; anything
 * else (not JSON, not an object, a wrapper holding no object) is a 400 that says what it got.
 */
export function objectBodyOf(type: string, json: string, field = 'object_json'): Record<string, unknown> {
  if (json.trim().length === 0) throw badRequest(`${field} is required: the object as JSON, {"${type}": {...}}`, field);
  const value = parseJson(json, field);
  if (!isObject(value)) throw badRequest(`${field} must be a JSON object {"${type}": {...}}, not ${describe(value)}`, field);
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== type) return value;
  const inner = value[type];
  if (!isObject(inner)) throw badRequest(`${field}: "${type}" must hold the object's fields, not ${describe(inner)}`, field);
  return inner;
}

/** attr_json → the ref's attribute; '' means none (null). */
export function attrOf(json: string, field = 'attr_json'): JsonValue | null {
  if (json.trim().length === 0) return null;
  return parseJson(json, field) as JsonValue;
}

/** RefUpdate's ref_type as REST takes `ref-type`: `network-ipam`, or `network_ipam_refs` / `network_ipam`. */
export function refTypeOf(value: string): string {
  return required(value, 'ref_type', 'the target type, e.g. network-ipam')
    .replace(/_/g, '-')
    .replace(/-refs$/, '');
}

/** Get's fields: repeated, each entry may also be comma-separated as in REST's `?fields=a,b`. */
export function fieldsOf(values: readonly string[]): string[] | undefined {
  const fields = values.flatMap((v) => v.split(',')).map((f) => f.trim()).filter((f) => f.length > 0);
  return fields.length > 0 ? fields : undefined;
}

/** A list of fq_name parts, each non-empty. */
export function fqNameOf(parts: readonly string[], field: string): string[] {
  if (parts.length === 0 || parts.some((p) => p.length === 0)) {
    throw badRequest(`${field} must be a non-empty list of non-empty strings, got ${JSON.stringify(parts)}`, field);
  }
  return [...parts];
}

/**
 * ListRequest.parameters → REST's raw query. Unknown names are refused rather than ignored: a typo would otherwise
 * answer with the whole collection. hrefs are never rendered over gRPC, so exclude_hrefs is always true.
 */
export function listQueryOf(parameters: Readonly<Record<string, string>>): Record<string, string> {
  const unknown = Object.keys(parameters).filter((name) => !LIST_PARAMETER_NAMES.has(name));
  if (unknown.length > 0) {
    const hint = unknown.includes('position') ? ' (min_position is a field of ListRequest)' : '';
    throw badRequest(`unknown list parameter ${unknown.join(', ')}${hint}; allowed: ${[...LIST_PARAMETER_NAMES].join(', ')}`, 'parameters');
  }
  return { ...parameters, exclude_hrefs: 'true' };
}

function parseJson(json: string, field: string): unknown {
  try {
    return JSON.parse(json);
  } catch (error) {
    throw badRequest(`${field} is not valid JSON: ${(error as Error).message}`, field);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
