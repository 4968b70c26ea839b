import { describe as describeValue, checkShape, complex, complexType, listOf, str } from './value-shapes.js';
import { validateResourceBody } from './validate-resource-body.js';
import type { SchemaProblem } from './schema-problem.js';

/** `[[[…]]]` or `{"a":{"a":…}}` `depth` levels deep, built without recursion (as JSON.parse builds a body). */
function nested(depth: number, kind: 'list' | 'object'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = kind === 'list' ? [value] : { a: value };
  return value;
}

describe('describe (the rendering of a received value in messages)', () => {
  it('says what a value nested too deeply for JSON.stringify is, instead of throwing', () => {
    expect(describeValue(nested(100_000, 'list'))).toBe('a list nested too deeply to show');
    expect(describeValue(nested(100_000, 'object'))).toBe('an object nested too deeply to show');
  });

  it('still shows an ordinary value, cut at 60 characters', () => {
    expect(describeValue({ a: 1 })).toBe('{"a":1}');
    expect(describeValue('x'.repeat(100))).toBe(`"${'x'.repeat(56)}...`);
  });
});

describe('shape checks of deeply nested input (found by the fuzzer: a 500 before)', () => {
  it('a list of strings holding a list 100000 deep is a problem, not a RangeError', () => {
    const problems: SchemaProblem[] = [];
    checkShape(listOf(str()), [nested(100_000, 'list')], 'cluster_pod_subnets', problems);
    expect(problems).toEqual([{ path: 'cluster_pod_subnets[0]', message: 'expected a string, got a list nested too deeply to show' }]);
  });

  it('an fq_name part 100000 objects deep is refused with a problem on fq_name', () => {
    const body = { fq_name: ['default-domain', 'default-project', nested(100_000, 'object')], virtual_network_router_type: 'mesh' };
    const { problems } = validateResourceBody('virtual-network-router', body);
    expect(problems).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/^fq_name/), message: expect.stringContaining('nested too deeply to show') })]));
  });
});

describe('complex types and the names every object inherits (found by the fuzzer: a 500 before)', () => {
  const pair = complex(complexType('KeyValuePair', { key: str(), value: str() }));

  it.each(['toString', 'hasOwnProperty', 'constructor', '__proto__', 'valueOf'])('a field named %s is an unknown field, not a crash', (name) => {
    const value = JSON.parse(`{"key": "host_id", "value": "node-1", ${JSON.stringify(name)}: true}`);
    const problems: SchemaProblem[] = [];
    checkShape(listOf(pair), [value], 'key_value_pair', problems);
    expect(problems).toEqual([{ path: `key_value_pair[0].${name}`, message: `unknown field ${name} in KeyValuePair` }]);
  });
});
