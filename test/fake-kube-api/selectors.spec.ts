import { KubeApiError } from './errors.js';
import type { KubeObject } from './objects.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';

const objects: KubeObject[] = [
  { metadata: { name: 'a', namespace: 'blue', labels: { app: 'web', tier: 'front' } }, spec: { nodeName: 'n1' } },
  { metadata: { name: 'b', namespace: 'blue', labels: { app: 'db' } }, spec: { nodeName: 'n2' } },
  { metadata: { name: 'c', namespace: 'red' } },
];

function names(filter: (object: KubeObject) => boolean): string[] {
  return objects.filter(filter).map((object) => object.metadata.name as string);
}

describe('label selectors', () => {
  it.each([
    ['', ['a', 'b', 'c']],
    ['app=web', ['a']],
    ['app==web', ['a']],
    ['app=web,tier=front', ['a']],
    ['app!=web', ['b', 'c']],
    ['app', ['a', 'b']],
    ['!app', ['c']],
    ['app in (web, db)', ['a', 'b']],
    ['app notin (web)', ['b', 'c']],
    ['app in (web,db),!tier', ['b']],
    [' app = db ', ['b']],
    ['app=', []],
  ])('%j selects %j', (selector, expected) => {
    expect(names(parseLabelSelector(selector))).toEqual(expected);
  });

  it.each(['app===web', 'app=(x)', 'a b', 'app in web', '=web', 'app>1'])('refuses %j with a 400', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(KubeApiError);
    try {
      parseLabelSelector(selector);
    } catch (error) {
      expect((error as KubeApiError).code).toBe(400);
      expect((error as KubeApiError).message).toContain(selector.trim());
    }
  });
});

describe('field selectors', () => {
  it.each([
    ['metadata.name=a', ['a']],
    ['metadata.namespace==blue', ['a', 'b']],
    ['metadata.namespace!=blue', ['c']],
    ['metadata.namespace=blue,metadata.name!=a', ['b']],
    ['spec.nodeName=n2', ['b']],
    ['spec.nodeName=', ['c']],
  ])('%j selects %j', (selector, expected) => {
    expect(names(parseFieldSelector(selector))).toEqual(expected);
  });

  it.each(['metadata.name', 'metadata.name~a', '=a'])('refuses %j with a 400', (selector) => {
    expect(() => parseFieldSelector(selector)).toThrow(expect.objectContaining({ code: 400, reason: 'BadRequest' }));
  });
});
