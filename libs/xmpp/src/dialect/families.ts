import { XmppCodecError } from '../errors.js';

/**
 * Address families of the dialect (§4 table: `items@node` = `<afi>/<xmpp-safi>/<routing-instance>`). inet, inet6 and
 * inet-labeled carry EntryType (xmpp_unicast.xsd), evpn EnetEntryType, ermvpn McastEntryType; mvpn is named so it
 * can be recognised and refused.
 */
export type RouteFamily = 'inet' | 'inet6' | 'inet-labeled' | 'evpn' | 'ermvpn' | 'mvpn';

export interface FamilyCode {
  afi: number;
  safi: number;
}

export const FAMILY_CODES: Readonly<Record<RouteFamily, FamilyCode>> = {
  inet: { afi: 1, safi: 1 },
  inet6: { afi: 2, safi: 1 },
  'inet-labeled': { afi: 1, safi: 4 },
  evpn: { afi: 25, safi: 242 },
  ermvpn: { afi: 1, safi: 241 },
  mvpn: { afi: 1, safi: 5 },
};

const BY_CODE = new Map<string, RouteFamily>(Object.entries(FAMILY_CODES).map(([family, code]) => [`${code.afi}/${code.safi}`, family as RouteFamily]));

export function familyOf(afi: number, safi: number): RouteFamily | undefined {
  return BY_CODE.get(`${afi}/${safi}`);
}

/** `1/1`, `2/1`, `25/242` … */
export function familyNodePrefix(family: RouteFamily): string {
  const code = FAMILY_CODES[family];
  return `${code.afi}/${code.safi}`;
}

/** A node string `<afi>/<safi>/<rest>` split; throws naming `field` when it does not start with a known family. */
export function splitFamilyNode(node: string, field: string): { family: RouteFamily; rest: string } {
  const first = node.indexOf('/');
  const second = first < 0 ? -1 : node.indexOf('/', first + 1);
  const afi = first < 0 ? '' : node.slice(0, first);
  const safi = second < 0 ? node.slice(first + 1) : node.slice(first + 1, second);
  const family = /^\d+$/.test(afi) && /^\d+$/.test(safi) ? familyOf(Number(afi), Number(safi)) : undefined;
  if (family === undefined) throw new XmppCodecError(`${field}: ${JSON.stringify(node)} does not start with a known <afi>/<safi>`, field);
  return { family, rest: second < 0 ? '' : node.slice(second + 1) };
}
