import { describe, expect, it } from '@jest/globals';
import { Metadata } from '@grpc/grpc-js';
import { ConfigError } from '#libs/domain';
import { attrOf, commandMetaOf, fieldsOf, fqNameOf, listQueryOf, objectBodyOf, refTypeOf, required } from './grpc-request.js';

function refusal(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function metadata(entries: Record<string, string>): Metadata {
  const md = new Metadata();
  for (const [key, value] of Object.entries(entries)) md.set(key, value);
  return md;
}

describe('commandMetaOf', () => {
  it('takes the actor from x-user-name, then x-actor; the source is grpc; x-request-id is the correlation id', () => {
    expect(commandMetaOf(metadata({ 'x-user-name': 'alice', 'x-actor': 'bot', 'x-request-id': 'req-1' }), 'key-1')).toEqual({
      actor: 'alice',
      source: 'grpc',
      correlationId: 'req-1',
      commandId: 'key-1',
    });
    expect(commandMetaOf(metadata({ 'x-actor': 'bot' })).actor).toBe('bot');
  });

  it('is anonymous without either header, and has no command id without an idempotency key', () => {
    expect(commandMetaOf(new Metadata())).toEqual({ actor: 'anonymous', source: 'grpc', correlationId: undefined, commandId: undefined });
  });

  it('refuses an idempotency key longer than REST accepts', () => {
    const error = refusal(() => commandMetaOf(new Metadata(), 'k'.repeat(201)));
    expect(error).toMatchObject({ status: 400, field: 'idempotency_key' });
    expect(error.message).toContain('1 to 200 characters');
  });
});

describe('objectBodyOf', () => {
  it('unwraps the REST body {"<type>": {...}}', () => {
    expect(objectBodyOf('virtual-network', '{"virtual-network": {"name": "blue"}}')).toEqual({ name: 'blue' });
  });

  it('takes the inner object alone', () => {
    expect(objectBodyOf('virtual-network', '{"name": "blue", "display_name": "Blue"}')).toEqual({ name: 'blue', display_name: 'Blue' });
  });

  it('leaves a wrapper of another type to the schema check (an unknown property there)', () => {
    expect(objectBodyOf('virtual-network', '{"network-ipam": {}}')).toEqual({ 'network-ipam': {} });
  });

  it.each([
    ['', /object_json is required/],
    ['   ', /object_json is required/],
    ['{"name": ', /object_json is not valid JSON: /],
    ['[1, 2]', /object_json must be a JSON object .* not an array/],
    ['"blue"', /not a string/],
    ['null', /not null/],
    ['{"virtual-network": [1]}', /"virtual-network" must hold the object's fields, not an array/],
  ])('refuses %j, naming the problem', (json, message) => {
    const error = refusal(() => objectBodyOf('virtual-network', json));
    expect(error).toMatchObject({ status: 400, field: 'object_json' });
    expect(error.message).toMatch(message);
  });
});

describe('attrOf', () => {
  it('reads any JSON value; empty means none', () => {
    expect(attrOf('{"ipam_subnets": []}')).toEqual({ ipam_subnets: [] });
    expect(attrOf('')).toBeNull();
  });

  it('refuses text that is not JSON', () => {
    expect(refusal(() => attrOf('{oops'))).toMatchObject({ status: 400, field: 'attr_json' });
  });
});

describe('refTypeOf', () => {
  it("accepts REST's spellings", () => {
    expect(refTypeOf('network-ipam')).toBe('network-ipam');
    expect(refTypeOf('network_ipam_refs')).toBe('network-ipam');
    expect(refTypeOf('network_ipam')).toBe('network-ipam');
  });

  it('requires one', () => {
    expect(refusal(() => refTypeOf(''))).toMatchObject({ status: 400, field: 'ref_type' });
  });
});

describe('fieldsOf', () => {
  it('takes repeated and comma-separated names; none means all', () => {
    expect(fieldsOf(['display_name', 'id_perms,network_ipam_refs '])).toEqual(['display_name', 'id_perms', 'network_ipam_refs']);
    expect(fieldsOf([])).toBeUndefined();
    expect(fieldsOf([''])).toBeUndefined();
  });
});

describe('fqNameOf and required', () => {
  it('refuses an empty fq_name or an empty part', () => {
    expect(refusal(() => fqNameOf([], 'fq_name'))).toMatchObject({ status: 400, field: 'fq_name' });
    expect(refusal(() => fqNameOf(['default-domain', ''], 'fq_name')).message).toContain('non-empty strings');
    expect(fqNameOf(['default-domain'], 'fq_name')).toEqual(['default-domain']);
  });

  it('refuses an absent (empty) required string and says what it should hold', () => {
    expect(refusal(() => required('', 'uuid', 'the uuid of the project')).message).toBe('uuid is required: the uuid of the project');
    expect(required('x', 'uuid', '')).toBe('x');
  });
});

describe('listQueryOf', () => {
  it("passes REST's parameters through and never renders hrefs", () => {
    expect(listQueryOf({ detail: 'true', parent_id: 'a,b' })).toEqual({ detail: 'true', parent_id: 'a,b', exclude_hrefs: 'true' });
    expect(listQueryOf({ exclude_hrefs: 'false' }).exclude_hrefs).toBe('true');
  });

  it('refuses unknown names, listing the allowed ones', () => {
    const error = refusal(() => listQueryOf({ detial: 'true' }));
    expect(error).toMatchObject({ status: 400, field: 'parameters' });
    expect(error.message).toMatch(/unknown list parameter detial; allowed: parent_id, .*page_limit/);
  });

  it('points position to min_position', () => {
    expect(refusal(() => listQueryOf({ position: '3' })).message).toContain('min_position is a field of ListRequest');
  });
});
