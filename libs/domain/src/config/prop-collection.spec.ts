import { describe, expect, it } from '@jest/globals';
import type { ConfigObject } from './config-object.js';
import { ConfigError } from './config-error.js';
import { applyPropCollectionUpdates } from './prop-collection.js';

const vn = (props: ConfigObject['props']): ConfigObject => ({
  type: 'virtual-network',
  uuid: 'u',
  fq_name: ['d', 'p', 'n'],
  props,
  refs: {},
  allocations: [],
  created: '',
  last_modified: '',
  revision: 0,
});

describe('applyPropCollectionUpdates', () => {
  it('sets and deletes map elements by key', () => {
    const object = vn({ annotations: { key_value_pair: [{ key: 'a', value: '1' }] } });
    expect(
      applyPropCollectionUpdates(object, [
        { field: 'annotations', operation: 'set', value: { key: 'b', value: '2' } },
        { field: 'annotations', operation: 'set', value: { key: 'a', value: '3' } },
      ]),
    ).toEqual({ annotations: { key_value_pair: [{ key: 'a', value: '3' }, { key: 'b', value: '2' }] } });
    expect(applyPropCollectionUpdates(object, [{ field: 'annotations', operation: 'delete', position: 'a' }])).toEqual({ annotations: { key_value_pair: [] } });
  });

  it('refuses what is not a collection, a wrong operation, and a missing element', () => {
    const object = vn({});
    const refused = (run: () => unknown) => {
      try {
        run();
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('not refused');
    };
    expect(refused(() => applyPropCollectionUpdates(object, [{ field: 'display_name', operation: 'set', value: 'x' }])).message).toMatch(/not a list or map property/);
    expect(refused(() => applyPropCollectionUpdates(object, [{ field: 'annotations', operation: 'add', value: {} }])).message).toMatch(/must be set or delete/);
    expect(refused(() => applyPropCollectionUpdates(object, [{ field: 'annotations', operation: 'delete', position: 'zz' }])).status).toBe(400);
  });
});
