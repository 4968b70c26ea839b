/** What the XMPP benchmark's controller rounds and its raw baseline push alike: the same routes, the same chunks. */

/** The publisher's address: the next hop of every pushed route. */
export const PUBLISHER_ADDRESS = '10.254.0.1';
/** Route updates per control-plane session message (the controller's AGENT_BATCH_ROUTES default): 8 XMPP messages. */
export const ROUTES_PER_SESSION_MESSAGE = 256;

/** Route n (over every round) as a /32 in 12.0.0.0/8 and above: distinct prefixes for 16M routes. */
export function prefixOf(n: number): string {
  return `${12 + (n >>> 24)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/32`;
}
