import { describe, expect, it } from '@jest/globals';
import { ConfigError } from './config-error.js';
import type { ConfigObject } from './config-object.js';
import { applyPropCollectionUpdates, type PropCollectionUpdate } from './prop-collection.js';

// Found by the fuzzer (test/fuzz): /prop-collection-update with an update that is null answered 500 (a TypeError),
// and a position or field nested thousands of levels deep overflowed the stack turning into text. Each is a 400.

const vmi = {
  type: 'virtual-machine-interface',
  uuid: '00000000-0000-4000-8000-000000000001',
  props: { virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: 'node-1' }] }, virtual_machine_interface_fat_flow_protocols: { fat_flow_protocol: [] } },
} as unknown as ConfigObject;

function deepList(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function refusal(updates: unknown[]): ConfigError {
  try {
    applyPropCollectionUpdates(vmi, updates as PropCollectionUpdate[]);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('prop-collection-update with updates that are not what vnc_api sends', () => {
  it.each([null, 7, 'x', [], [{ field: 'a' }]])('an update %j is a 400 naming it', (update) => {
    expect(refusal([update])).toMatchObject({ status: 400, field: 'updates[0]', message: expect.stringMatching(/^updates\[0\] must be an object \{field, operation, value, position\}, not /) });
  });

  it('a field that is not a string is a 400, even a list 100000 deep', () => {
    expect(refusal([{ field: deepList(100_000), operation: 'add' }])).toMatchObject({ status: 400, message: 'updates[0]: field must be a property name, not a list nested too deeply to show' });
    expect(refusal([{ field: 5, operation: 'add' }])).toMatchObject({ status: 400, message: 'updates[0]: field must be a property name, not 5' });
  });

  it('a list position 100000 deep is a 400, for a list property and a map property', () => {
    expect(refusal([{ field: 'virtual_machine_interface_fat_flow_protocols', operation: 'delete', position: deepList(100_000) }])).toMatchObject({
      status: 400,
      message: expect.stringContaining('position a list nested too deeply to show is not an index'),
    });
    expect(refusal([{ field: 'virtual_machine_interface_bindings', operation: 'delete', position: deepList(100_000) }])).toMatchObject({
      status: 400,
      message: expect.stringContaining('has no element with key a list nested too deeply to show'),
    });
  });

  it('a position in a list still counts from 0, given as a number or its text', () => {
    const added = applyPropCollectionUpdates(vmi, [{ field: 'virtual_machine_interface_fat_flow_protocols', operation: 'add', value: { protocol: 'tcp', port: 80 }, position: '0' }]);
    expect(added).toEqual({ virtual_machine_interface_fat_flow_protocols: { fat_flow_protocol: [{ protocol: 'tcp', port: 80 }] } });
  });
});
