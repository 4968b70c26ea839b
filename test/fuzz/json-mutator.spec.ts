import { SeededRandom } from '../support/seeded-random.js';
import { mutateJson } from './json-mutator.js';

const EXAMPLE = {
  'virtual-network': {
    fq_name: ['default-domain', 'default-project', 'blue'],
    network_ipam_refs: [{ to: ['default-domain', 'default-project', 'default-network-ipam'], attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.1.0.0', ip_prefix_len: 24 } }] } }],
    mtu: 1400,
  },
};

describe('JSON mutations', () => {
  it('an intact example is the example', () => {
    const { bytes, notes } = mutateJson(new SeededRandom(1), EXAMPLE, { intact: true });
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(EXAMPLE);
    expect(notes).toEqual([]);
  });

  it('the same seed gives the same bytes and notes, and leaves the example alone', () => {
    const copy = structuredClone(EXAMPLE);
    for (let seed = 0; seed < 60; seed++) {
      const [a, b] = [mutateJson(new SeededRandom(seed), EXAMPLE), mutateJson(new SeededRandom(seed), EXAMPLE)];
      expect(a.notes).toEqual(b.notes);
      expect(a.bytes.equals(b.bytes)).toBe(true);
    }
    expect(EXAMPLE).toEqual(copy);
  });

  it('each mutation is named, and bodies stay within what a request may carry', () => {
    for (let seed = 0; seed < 100; seed++) {
      const { bytes, notes } = mutateJson(new SeededRandom(seed), EXAMPLE);
      expect(notes.length).toBeGreaterThan(0);
      // Huge strings and long lists stop at 900 KiB; a huge string can be repeated by a second mutation.
      expect(bytes.length).toBeLessThan(4 * 1024 * 1024);
    }
  });

  it('makes text JSON.parse refuses, and text it takes, in a useful mix', () => {
    let refused = 0;
    for (let seed = 0; seed < 100; seed++) {
      try {
        JSON.parse(mutateJson(new SeededRandom(seed), EXAMPLE).bytes.toString('utf8'));
      } catch {
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(3);
    expect(refused).toBeLessThan(50);
  });
});
