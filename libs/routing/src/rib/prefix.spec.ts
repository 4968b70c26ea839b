import { describe, expect, it } from '@jest/globals';
import { canonicalPrefix } from './prefix.js';
import { RoutingError } from './routing-error.js';

describe('canonicalPrefix', () => {
  it.each([
    ['10.1.1.3/32', '10.1.1.3/32'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['192.168.4.0/22', '192.168.4.0/22'],
    ['255.255.255.255/32', '255.255.255.255/32'],
  ])('keeps the IPv4 prefix %p as %p', (text, canonical) => {
    expect(canonicalPrefix(text)).toBe(canonical);
  });

  it.each([
    ['2001:DB8::1/128', '2001:db8::1/128'],
    ['2001:0db8:0000:0000:0000:0000:0000:0000/32', '2001:db8::/32'],
    ['::/0', '::/0'],
    ['::1/128', '::1/128'],
    ['2001:db8:8000::/33', '2001:db8:8000::/33'],
    ['fe80::/10', 'fe80::/10'],
    // RFC 5952: a single zero group stays, the longest run (the first on a tie) becomes '::'.
    ['2001:db8:0:1:1:1:1:1/128', '2001:db8:0:1:1:1:1:1/128'],
    ['2001:db8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1/128'],
    ['2001:0:0:1:0:0:0:1/128', '2001:0:0:1::1/128'],
    ['1:2:3:4:5:6:7::/128', '1:2:3:4:5:6:7:0/128'],
    // An embedded dotted quad is read; IPv4-mapped addresses are written with one.
    ['::ffff:10.1.1.1/128', '::ffff:10.1.1.1/128'],
    ['0:0:0:0:0:FFFF:0A01:0101/128', '::ffff:10.1.1.1/128'],
    ['64:ff9b::192.0.2.33/128', '64:ff9b::c000:221/128'],
  ])('writes the IPv6 prefix %p as %p', (text, canonical) => {
    expect(canonicalPrefix(text)).toBe(canonical);
  });

  it.each([
    ['10.1.1.0/33', "prefix length '33' is not an integer from 0 to 32"],
    ['10.1.1.0/-1', "prefix length '-1'"],
    ['10.1.1.0/08', "prefix length '08'"],
    ['10.1.1.0/', "prefix length ''"],
    ['10.1.1.0/24/1', "prefix length '24/1'"],
    ['2001:db8::/129', "prefix length '129' is not an integer from 0 to 128"],
    ['10.1.1.0', "expected 'address/length'"],
    ['10.1.1.5/24', 'host bits are set; the network is 10.1.1.0/24'],
    ['10.1.1.1/0', 'the network is 0.0.0.0/0'],
    ['2001:db8::1/64', 'host bits are set; the network is 2001:db8::/64'],
    ['2001:db8:c000::/33', 'the network is 2001:db8:8000::/33'],
    ['10.1.1/24', "'10.1.1' is not an IPv4 address"],
    ['10.1.1.256/32', "'10.1.1.256' is not an IPv4 address"],
    ['10.01.1.0/24', "'10.01.1.0' is not an IPv4 address"],
    [' 10.1.1.0/24', "' 10.1.1.0' is not an IPv4 address"],
    ['a.b.c.d/32', "'a.b.c.d' is not an IPv4 address"],
    ['1::2::3/128', "'1::2::3' is not an IPv6 address"],
    ['1:2:3:4:5:6:7/128', "'1:2:3:4:5:6:7' is not an IPv6 address"],
    ['1:2:3:4:5:6:7:8:9/128', 'is not an IPv6 address'],
    ['1:2:3:4:5:6:7:8::/128', 'is not an IPv6 address'],
    ['12345::/16', 'is not an IPv6 address'],
    ['g::1/128', 'is not an IPv6 address'],
    [':::/0', 'is not an IPv6 address'],
    ['fe80::1%eth0/128', 'is not an IPv6 address'],
    ['1.2.3.4::/128', 'is not an IPv6 address'],
    ['::1.2.3.4:5/128', 'is not an IPv6 address'],
    ['/24', "'' is not an IPv4 address"],
    ['', "expected 'address/length'"],
    ['garbage', "expected 'address/length'"],
  ])('refuses %p, naming the problem', (text, problem) => {
    expect(() => canonicalPrefix(text)).toThrow(RoutingError);
    expect(() => canonicalPrefix(text)).toThrow(`bad prefix '${text}': `);
    expect(() => canonicalPrefix(text)).toThrow(problem);
  });

  it('uses the bad-route notice code and refuses what is not a string', () => {
    try {
      canonicalPrefix('10.0.0.1/8');
      throw new Error('expected a RoutingError');
    } catch (error) {
      expect(error).toBeInstanceOf(RoutingError);
      expect((error as RoutingError).code).toBe('bad-route');
    }
    expect(() => canonicalPrefix(42 as unknown as string)).toThrow("bad prefix '42': expected a string");
  });
});
