import { ipVersion, isCidr, isRouteTarget, matchesFormat } from './string-formats.js';

describe('ipVersion', () => {
  it.each([
    ['10.1.0.5', 4],
    ['0.0.0.0', 4],
    ['255.255.255.255', 4],
    ['::', 6],
    ['::1', 6],
    ['fe80::1', 6],
    ['2001:db8:0:0:0:0:2:1', 6],
    ['1:2:3:4:5:6:7::', 6],
    ['::ffff:10.1.1.1', 6],
    ['64:ff9b::192.0.2.33', 6],
  ])('%s is IPv%s', (text, version) => {
    expect(ipVersion(text)).toBe(version);
  });

  it.each([
    '',
    '10.1.1',
    '10.1.1.256',
    '010.1.1.1',
    '10.1.1.1.1',
    ' 10.1.1.1',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':1::',
    'fe80::1%eth0',
    '12345::',
    '1.2.3.4::',
    'g::1',
    '1:2:3:4:5:6:7:8::',
  ])('%j is no address', (text) => {
    expect(ipVersion(text)).toBeUndefined();
  });
});

describe('isCidr', () => {
  it('takes a prefix length within the family', () => {
    expect(isCidr('10.32.0.0/12')).toBe(true);
    expect(isCidr('10.32.0.0/32')).toBe(true);
    expect(isCidr('10.32.0.0/33')).toBe(false);
    expect(isCidr('fd00::/64')).toBe(true);
    expect(isCidr('fd00::/129')).toBe(false);
    expect(isCidr('10.32.0.0')).toBe(false);
    expect(isCidr('10.32.0.0/')).toBe(false);
    expect(isCidr('10.32.0.0/012')).toBe(false);
  });
});

describe('isRouteTarget', () => {
  it.each(['target:64512:100', 'target:64512:4294967295', 'target:10.1.1.1:65535', 'target:4200000000:65535', 'target:65535:8000003'])(
    '%s is valid',
    (rt) => {
      expect(isRouteTarget(rt)).toBe(true);
    },
  );

  it.each([
    'target:64512',
    'route:64512:1',
    'target:64512:-1',
    'target:64512:4294967296',
    'target:10.1.1.1:65536',
    'target:4200000000:65536',
    'target:4294967296:1',
    'target:abc:1',
    'target:64512:1:2',
    'Target:64512:1',
  ])('%s is not', (rt) => {
    expect(isRouteTarget(rt)).toBe(false);
  });
});

describe('matchesFormat', () => {
  it('checks protocols as contrail-api names them', () => {
    for (const ok of ['any', 'tcp', 'udp', 'icmp', 'icmp6', '0', '6', '255']) expect(matchesFormat('protocol', ok)).toBe(true);
    for (const bad of ['TCP', 'sctp', '256', '-1', '06', '']) expect(matchesFormat('protocol', bad)).toBe(false);
  });

  it('checks MAC addresses with colons or dashes, not mixed', () => {
    expect(matchesFormat('mac-address', '02:8e:4f:1a:00:01')).toBe(true);
    expect(matchesFormat('mac-address', '02-8E-4F-1A-00-01')).toBe(true);
    expect(matchesFormat('mac-address', '02:8e-4f:1a:00:01')).toBe(false);
    expect(matchesFormat('mac-address', '02:8e:4f:1a:00')).toBe(false);
  });

  it('checks UUIDs in their canonical text form', () => {
    expect(matchesFormat('uuid', '3fa85f64-5717-4562-B3FC-2c963f66afa6')).toBe(true);
    expect(matchesFormat('uuid', '3fa85f6457174562b3fc2c963f66afa6')).toBe(false);
    expect(matchesFormat('uuid', 'not-a-uuid')).toBe(false);
  });
});
