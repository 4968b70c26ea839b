import { describe, expect, it } from '@jest/globals';
import { parseNetworkAnnotation, parseNetworksAnnotation } from './network-annotations.js';

describe('parseNetworkAnnotation (opencontrail.org/network)', () => {
  it('reads JSON', () => {
    expect(parseNetworkAnnotation('{"domain": "default-domain", "project": "blue", "name": "frontend"}')).toEqual({
      ok: true,
      value: ['default-domain', 'blue', 'frontend'],
    });
  });

  it("reads the Python-dict text contrail-kube-manager reads, single quotes and all", () => {
    expect(parseNetworkAnnotation("{'domain': 'default-domain', 'project': 'blue', 'name': 'it\\'s'}")).toEqual({
      ok: true,
      value: ['default-domain', 'blue', "it's"],
    });
  });

  it('takes default-domain when the domain is left out', () => {
    expect(parseNetworkAnnotation("{'project': 'blue', 'name': 'frontend'}")).toEqual({ ok: true, value: ['default-domain', 'blue', 'frontend'] });
  });

  it.each([
    ['{"project": "blue", "name": ', /neither JSON nor a Python dict/],
    ['["blue", "frontend"]', /expected an object/],
    ['{"project": "blue"}', /"name" must be a non-empty string, got null/],
    ['{"project": "", "name": "x"}', /"project" must be a non-empty string/],
    ['{"project": "blue", "name": "x", "tenant": "t"}', /unknown field tenant/],
  ])('says what is wrong with %s', (text, error) => {
    const parsed = parseNetworkAnnotation(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });
});

describe('parseNetworksAnnotation (k8s.v1.cni.cncf.io/networks)', () => {
  it('reads a comma-separated list of [namespace/]name', () => {
    expect(parseNetworksAnnotation('storage, shared/backbone')).toEqual({
      ok: true,
      value: [{ name: 'storage' }, { name: 'backbone', namespace: 'shared' }],
    });
  });

  it('reads a JSON list of {name, namespace?}', () => {
    expect(parseNetworksAnnotation('[{"name": "storage"}, {"name": "backbone", "namespace": "shared"}]')).toEqual({
      ok: true,
      value: [{ name: 'storage' }, { name: 'backbone', namespace: 'shared' }],
    });
  });

  it('reads an empty annotation as no networks', () => {
    expect(parseNetworksAnnotation('  ')).toEqual({ ok: true, value: [] });
  });

  it.each([
    ['[{"name": "storage"', /not valid JSON/],
    ['{"name": "storage"}', /is not a valid name/],
    ['[{"namespace": "x"}]', /item 1: "name" must be a valid name/],
    ['[{"name": "a", "interface": "eth7"}]', /"interface" is not supported/],
    ['storage,,backbone', /entry 2 is empty/],
    ['a/b/c', /expected \[namespace\/\]name/],
    ['storage@eth7', /interface names \(@…\) are not supported/],
  ])('says what is wrong with %s', (text, error) => {
    const parsed = parseNetworksAnnotation(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(error);
  });
});
