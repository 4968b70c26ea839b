import { describe, expect, it } from '@jest/globals';
import {
  SYSTEM_RT_START,
  formatRouteTarget,
  isInSystemRange,
  parseRouteTarget,
  systemRouteTargetRange,
} from './route-target.js';

describe('parseRouteTarget', () => {
  it('reads the ASN form', () => {
    expect(parseRouteTarget('target:64512:8000003')).toEqual({ kind: 'asn', asn: 64512, assignedNumber: 8_000_003 });
    expect(parseRouteTarget('target:64512:4294967295').assignedNumber).toBe(4_294_967_295);
    expect(parseRouteTarget('target:4200000000:65535')).toEqual({ kind: 'asn', asn: 4_200_000_000, assignedNumber: 65_535 });
    expect(parseRouteTarget('target:64512:0').assignedNumber).toBe(0);
  });

  it('reads the IPv4 form', () => {
    expect(parseRouteTarget('target:10.0.0.1:100')).toEqual({ kind: 'ip', ip: '10.0.0.1', assignedNumber: 100 });
  });

  it.each([
    ['target:64512:4294967296', 'has number 4294967296, out of range: with a 2-byte ASN the number is at most 4294967295'],
    ['target:65536:65536', 'with a 4-byte ASN the number is at most 65535'],
    ['target:10.0.0.1:65536', 'with an IPv4 address the number is at most 65535'],
    ['target:0:1', 'has ASN 0, out of range: 1 to 4294967295'],
    ['target:4294967296:1', 'has ASN 4294967296, out of range'],
    ['target:64512', 'is malformed'],
    ['route:64512:1', 'is malformed'],
    ['target:64512:-1', 'is malformed'],
    ['target:64512:1:2', 'is malformed'],
    ['target:64512:', 'is malformed'],
    ['target:abc:1', "'abc' is neither an ASN nor an IPv4 address"],
    ['target:10.0.0.256:1', "'10.0.0.256' is neither an ASN nor an IPv4 address"],
    ['target:2001:db8::1:1', 'is malformed'],
  ])('refuses %p', (text, why) => {
    expect(() => parseRouteTarget(text, 'route_target_list.route_target[0]')).toThrow(
      expect.objectContaining({ code: 'INVALID', status: 400, field: 'route_target_list.route_target[0]' }),
    );
    expect(() => parseRouteTarget(text)).toThrow(`route target '${text}' `);
    expect(() => parseRouteTarget(text)).toThrow(why);
  });
});

describe('formatRouteTarget', () => {
  it('writes the canonical name back', () => {
    expect(formatRouteTarget({ kind: 'asn', asn: 64512, assignedNumber: 8_000_000 })).toBe('target:64512:8000000');
    expect(formatRouteTarget({ kind: 'ip', ip: '192.0.2.1', assignedNumber: 7 })).toBe('target:192.0.2.1:7');
    expect(formatRouteTarget(parseRouteTarget('target:064512:0007'))).toBe('target:64512:7');
  });
});

describe('system range', () => {
  it('starts at 8,000,000 for a 2-byte global ASN and at 8000 for a 4-byte one', () => {
    expect(SYSTEM_RT_START).toBe(8_000_000);
    expect(systemRouteTargetRange(64512)).toEqual({ start: 8_000_000, end: 16_777_216 });
    expect(systemRouteTargetRange(4_200_000_000)).toEqual({ start: 8_000, end: 32_768 });
  });

  it('holds route targets of the global ASN from the start number up', () => {
    expect(isInSystemRange('target:64512:8000000', 64512)).toBe(true);
    expect(isInSystemRange('target:64512:4294967295', 64512)).toBe(true);
    expect(isInSystemRange('target:64512:7999999', 64512)).toBe(false);
    expect(isInSystemRange('target:64513:8000000', 64512)).toBe(false);
    expect(isInSystemRange(parseRouteTarget('target:4200000000:8000'), 4_200_000_000)).toBe(true);
    expect(isInSystemRange('target:4200000000:7999', 4_200_000_000)).toBe(false);
  });

  it('never holds an IP-form route target', () => {
    expect(isInSystemRange('target:10.0.0.1:60000', 64512)).toBe(false);
  });
});
