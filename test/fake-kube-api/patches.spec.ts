import { JsonPatchError, applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';

describe('applyMergePatch (RFC 7386)', () => {
  // RFC 7386 Appendix A, as [target, patch, result]
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j patched with %j is %j', (target, patch, result) => {
    expect(applyMergePatch(target, patch)).toEqual(result);
  });

  it('changes neither argument', () => {
    const target = { metadata: { annotations: { a: '1' } } };
    const patch = { metadata: { annotations: { a: null, b: '2' } } };
    const result = applyMergePatch(target, patch);
    expect(result).toEqual({ metadata: { annotations: { b: '2' } } });
    expect(target).toEqual({ metadata: { annotations: { a: '1' } } });
    expect(patch).toEqual({ metadata: { annotations: { a: null, b: '2' } } });
  });

  it('takes a "__proto__" key as data, not as a prototype', () => {
    const result = applyMergePatch({}, JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(result)).toBe('{"__proto__":{"polluted":true}}');
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  it('adds, removes, replaces, moves, copies and tests, with ~0 and ~1 escapes', () => {
    const target = { metadata: { labels: { a: '1' }, annotations: {} }, list: [1, 2, 3] };
    const result = applyJsonPatch(target, [
      { op: 'add', path: '/metadata/annotations/x~1y', value: 'slash' },
      { op: 'add', path: '/metadata/annotations/t~0', value: 'tilde' },
      { op: 'add', path: '/list/1', value: 9 },
      { op: 'add', path: '/list/-', value: 4 },
      { op: 'remove', path: '/list/0' },
      { op: 'replace', path: '/metadata/labels/a', value: '2' },
      { op: 'copy', from: '/metadata/labels', path: '/copied' },
      { op: 'move', from: '/copied/a', path: '/moved' },
      { op: 'test', path: '/list', value: [9, 2, 3, 4] },
    ]);
    expect(result).toEqual({ metadata: { labels: { a: '2' }, annotations: { 'x/y': 'slash', 't~': 'tilde' } }, list: [9, 2, 3, 4], copied: {}, moved: '2' });
    expect(target.list).toEqual([1, 2, 3]);
  });

  it.each([
    ['not an array', { op: 'add' }, 'must be an array'],
    ['an unknown op', [{ op: 'merge', path: '/a' }], 'unknown op'],
    ['a missing parent', [{ op: 'add', path: '/no/such', value: 1 }], 'does not exist'],
    ['a missing member to remove', [{ op: 'remove', path: '/nope' }], 'does not exist'],
    ['a missing member to replace', [{ op: 'replace', path: '/nope', value: 1 }], 'does not exist'],
    ['an index past the end', [{ op: 'add', path: '/list/5', value: 1 }], 'out of bounds'],
    ['a leading-zero index', [{ op: 'remove', path: '/list/01' }], 'not an array index'],
    ['a path without a slash', [{ op: 'add', path: 'a', value: 1 }], 'does not start with "/"'],
    ['no value', [{ op: 'add', path: '/a' }], 'has no value'],
    ['a failed test', [{ op: 'test', path: '/list/0', value: 2 }], 'test operation 0 failed'],
  ])('refuses %s', (_, patch, message) => {
    expect(() => applyJsonPatch({ list: [1] }, patch)).toThrow(JsonPatchError);
    expect(() => applyJsonPatch({ list: [1] }, patch)).toThrow(message);
  });

  it('is all or nothing: a failure leaves the target as it was', () => {
    const target = { a: 1 };
    expect(() => applyJsonPatch(target, [{ op: 'add', path: '/b', value: 2 }, { op: 'test', path: '/a', value: 2 }])).toThrow(JsonPatchError);
    expect(target).toEqual({ a: 1 });
  });
});
