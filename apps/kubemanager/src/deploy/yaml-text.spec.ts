import yaml from 'js-yaml';
import { yamlDocument, yamlScalar, type YamlValue } from './yaml-text.js';

describe('yamlScalar', () => {
  it('leaves names plain', () => {
    expect(yamlScalar('kubemanager-east')).toBe('kubemanager-east');
    expect(yamlScalar('app.kubernetes.io/name')).toBe('app.kubernetes.io/name');
    expect(yamlScalar('/etc/kubemanager/kubeconfig')).toBe('/etc/kubemanager/kubeconfig');
  });

  it.each(['', 'yes', 'No', 'ON', 'off', 'y', 'true', 'Null', '8084', '1e3', '0x1f', '10:20', 'a: b', 'a #b', ' a', '- a', '"', "'", 'x\ny', 'a\u2028b'])(
    'quotes %j and reads back the same string',
    (text) => {
      const written = yamlScalar(text);
      expect(written.startsWith('"')).toBe(true);
      expect(yaml.load(`k: ${written}`)).toEqual({ k: text });
      expect(written).not.toMatch(/[\n\u2028\u2029]/);
    },
  );
});

describe('yamlDocument', () => {
  it('writes maps, lists, numbers and booleans in kubectl block style, comments first', () => {
    const value: Record<string, YamlValue> = { a: { b: 1, c: true }, list: [{ name: 'x', ports: [1, 2] }, 'plain', {}], empty: [], none: {} };
    const text = yamlDocument(value, ['first', '']);
    expect(text).toBe(
      ['# first', '#', 'a:', '  b: 1', '  c: true', 'list:', '- name: x', '  ports:', '  - 1', '  - 2', '- plain', '- {}', 'empty: []', 'none: {}', ''].join('\n'),
    );
    expect(yaml.load(text)).toEqual(value);
  });

  it('refuses what it cannot write faithfully', () => {
    expect(() => yamlDocument({ n: Number.NaN })).toThrow(/cannot write NaN/);
    expect(() => yamlDocument({ l: [[1]] })).toThrow(/list directly inside a list/);
  });
});
