import { describe, expect, it } from '@jest/globals';
import {
  AddressFormatError,
  canonicalIpAddress,
  contains,
  formatCidr,
  formatIpv4,
  formatIpv6,
  ipFamilyOf,
  overlaps,
  parseCidr,
  parseCidrText,
  parseIpAddress,
  parseIpv4,
  parseIpv6,
} from './ip-address.js';

describe('IPv4 text', () => {
  it('parses dotted quads to their 32-bit value and formats them back', () => {
    expect(parseIpv4('10.1.1.1')).toBe(0x0a010101n);
    expect(parseIpv4('0.0.0.0')).toBe(0n);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffffn);
    expect(formatIpv4(0x0a010101n)).toBe('10.1.1.1');
    expect(formatIpv4(0xffffffffn)).toBe('255.255.255.255');
  });

  it.each(['10.1.1', '10.1.1.1.1', '256.1.1.1', '10.01.1.1', '10.1.1.-1', ' 10.1.1.1', '10.1.1.1 ', '10..1.1', 'a.b.c.d', '', '1e1.1.1.1'])(
    'refuses %p and names it in the message',
    (text) => {
      expect(() => parseIpv4(text)).toThrow(AddressFormatError);
      expect(() => parseIpv4(text)).toThrow(`'${text}' is not an IPv4 address`);
    },
  );

  it('refuses to format a value wider than 32 bits', () => {
    expect(() => formatIpv4(1n << 32n)).toThrow(RangeError);
    expect(() => formatIpv4(-1n)).toThrow(RangeError);
  });
});

describe('IPv6 text', () => {
  it.each([
    ['::', 0n],
    ['::1', 1n],
    ['1::', 1n << 112n],
    ['2001:db8::1', 0x20010db8000000000000000000000001n],
    ['2001:DB8:0:0:0:0:0:1', 0x20010db8000000000000000000000001n],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', 0x20010db8000000000000ff0000428329n],
    ['1:2:3:4:5:6:7::', 0x0001000200030004000500060007_0000n],
    ['::2:3:4:5:6:7:8', 0x0000000200030004000500060007_0008n],
    ['::ffff:10.1.1.1', 0xffff0a010101n],
    ['64:ff9b::192.0.2.33', 0x0064ff9b0000000000000000c0000221n],
    ['1:2:3:4:5:6:1.2.3.4', 0x000100020003000400050006_01020304n],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', (1n << 128n) - 1n],
  ])('parses %p', (text, value) => {
    expect(parseIpv6(text)).toBe(value);
  });

  it.each([
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    '1::2::3',
    ':::',
    ':1::2',
    '1::2:',
    '12345::',
    'g::1',
    'fe80::1%eth0',
    '[::1]',
    '::1.2.3',
    '1.2.3.4::',
    '::1.2.3.4:5',
    '1:2:3:4:5:6:7:1.2.3.4',
    '',
  ])('refuses %p and names it in the message', (text) => {
    expect(() => parseIpv6(text)).toThrow(AddressFormatError);
    expect(() => parseIpv6(text)).toThrow(`'${text}' is not an IPv6 address`);
  });

  it.each([
    [0n, '::'],
    [1n, '::1'],
    [0x20010db8000000000000000000000001n, '2001:db8::1'],
    // RFC 5952 §4.2.2: a single zero group is not shortened.
    [0x20010db8000000010001000100010001n, '2001:db8:0:1:1:1:1:1'],
    // §4.2.3: the longest run is shortened; on a tie the first one.
    [0x20010db8000000000001000000000001n, '2001:db8::1:0:0:1'],
    [0x20010000000000010000000000000001n, '2001:0:0:1::1'],
    [0x00010000000000010000000000010000n, '1::1:0:0:1:0'],
    // §4.3: lower case, no leading zeros.
    [0x20010db80000000000000000000000abn, '2001:db8::ab'],
    [0xfe800000000000000000000000000000n, 'fe80::'],
    // §5: IPv4-mapped addresses end in dotted quad.
    [0xffff0a010101n, '::ffff:10.1.1.1'],
    [(1n << 128n) - 1n, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ])('formats %p as %p (RFC 5952)', (value, text) => {
    expect(formatIpv6(value)).toBe(text);
  });

  it('round-trips any spelling to one canonical text', () => {
    expect(canonicalIpAddress('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canonicalIpAddress('0:0:0:0:0:ffff:a01:101')).toBe('::ffff:10.1.1.1');
    expect(canonicalIpAddress('10.1.1.1')).toBe('10.1.1.1');
  });

  it('refuses to format a value wider than 128 bits', () => {
    expect(() => formatIpv6(1n << 128n)).toThrow(RangeError);
  });
});

describe('family detection', () => {
  it('tells the families apart and refuses what is neither', () => {
    expect(ipFamilyOf('10.1.1.1')).toBe('v4');
    expect(ipFamilyOf('2001:db8::1')).toBe('v6');
    expect(ipFamilyOf('::ffff:10.1.1.1')).toBe('v6');
    expect(parseIpAddress('fd00::1')).toEqual({ family: 'v6', value: 0xfd000000000000000000000000000001n });
    expect(() => ipFamilyOf('host.example')).toThrow("'host.example' is not an IPv4 address");
    expect(() => parseIpAddress(42 as unknown as string)).toThrow('42 is not an IP address');
  });
});

describe('parseCidr', () => {
  it('returns the block with its first and last address', () => {
    expect(parseCidr('10.1.1.0', 24)).toEqual({ family: 'v4', network: 0x0a010100n, len: 24, first: 0x0a010100n, last: 0x0a0101ffn });
    expect(parseCidr('10.1.1.5', 32)).toMatchObject({ first: 0x0a010105n, last: 0x0a010105n });
    expect(parseCidr('0.0.0.0', 0)).toMatchObject({ first: 0n, last: 0xffffffffn });
    const v6 = parseCidr('2001:db8::', '64');
    expect(v6).toMatchObject({ family: 'v6', len: 64, first: 0x20010db8n << 96n, last: (0x20010db8n << 96n) | ((1n << 64n) - 1n) });
  });

  it('refuses a prefix with host bits set and names the network it meant', () => {
    expect(() => parseCidr('10.1.1.5', 24)).toThrow("'10.1.1.5/24' is not a network address: host bits are set; the network is 10.1.1.0/24");
    expect(() => parseCidr('2001:db8::1', 64)).toThrow('the network is 2001:db8::/64');
  });

  it.each([[33], [-1], [24.5], ['x'], ['']])('refuses prefix length %p for IPv4', (len) => {
    expect(() => parseCidr('10.0.0.0', len as number)).toThrow(`prefix length '${String(len)}' is out of range for IPv4: 0 to 32`);
  });

  it('allows prefix lengths up to 128 for IPv6', () => {
    expect(parseCidr('::1', 128).last).toBe(1n);
    expect(() => parseCidr('::', 129)).toThrow('out of range for IPv6: 0 to 128');
  });

  it('reads and writes the prefix/len text', () => {
    expect(formatCidr(parseCidrText('10.0.0.0/8'))).toBe('10.0.0.0/8');
    expect(formatCidr(parseCidrText('2001:DB8:0::/48'))).toBe('2001:db8::/48');
    expect(() => parseCidrText('10.0.0.0')).toThrow("'10.0.0.0' is not a CIDR block");
  });
});

describe('contains and overlaps', () => {
  const net = parseCidr('10.1.0.0', 16);

  it('contains the addresses from first to last, of its own family only', () => {
    expect(contains(net, '10.1.0.0')).toBe(true);
    expect(contains(net, '10.1.255.255')).toBe(true);
    expect(contains(net, '10.2.0.0')).toBe(false);
    expect(contains(net, '10.0.255.255')).toBe(false);
    expect(contains(net, 0x0a010203n)).toBe(true);
    expect(contains(net, { family: 'v6', value: 0x0a010203n })).toBe(false);
    expect(contains(net, '::ffff:10.1.2.3')).toBe(false);
  });

  it('overlaps when one block holds the other, never across families', () => {
    expect(overlaps(net, parseCidr('10.1.2.0', 24))).toBe(true);
    expect(overlaps(parseCidr('10.0.0.0', 8), net)).toBe(true);
    expect(overlaps(net, net)).toBe(true);
    expect(overlaps(net, parseCidr('10.2.0.0', 16))).toBe(false);
    expect(overlaps(parseCidr('::', 0), parseCidr('0.0.0.0', 0))).toBe(false);
  });
});
