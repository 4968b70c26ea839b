import { isIPv4, isIPv6 } from 'node:net';

/** 4, 6, or 0 when `text` is not a plain IP address. */
export function ipVersion(text: string): 4 | 6 | 0 {
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return 0;
}

/** 0.0.0.0 or :: (in any spelling). */
export function isUnspecifiedAddress(text: string): boolean {
  if (isIPv4(text)) return text === '0.0.0.0';
  return isIPv6(text) && /^[0:]+$/.test(text);
}

export interface ParsedPrefix {
  address: string;
  length: number;
  version: 4 | 6;
}

/** `address/len` with a plain IPv4 or IPv6 address and a length in range; a string saying what is wrong otherwise. */
export function parsePrefix(text: string): ParsedPrefix | string {
  const slash = text.indexOf('/');
  if (slash < 0) return `${JSON.stringify(text)} has no '/length'`;
  const address = text.slice(0, slash);
  const version = ipVersion(address);
  if (version === 0) return `${JSON.stringify(address)} is not an IP address`;
  const lengthText = text.slice(slash + 1);
  const max = version === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > max) return `prefix length ${JSON.stringify(lengthText)} is not from 0 to ${max}`;
  return { address, length: Number(lengthText), version };
}

const MAC = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/;

export function isMacAddress(text: string): boolean {
  return MAC.test(text);
}

export function isZeroMac(text: string): boolean {
  return /^[0:]+$/.test(text);
}

export function isBroadcastMac(text: string): boolean {
  return /^(ff:){5}ff$/i.test(text);
}
