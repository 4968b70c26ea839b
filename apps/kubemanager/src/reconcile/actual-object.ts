import type { OwnerKey } from '../mapping/desired-object.js';

/**
 * An owned config object as the config API answers a GET: `body` holds its properties and refs (`{to, uuid,
 * attr}`), `ownerKey` comes from its ownership marks (§1).
 */
export interface ActualObject {
  type: string;
  uuid: string;
  fqName: string[];
  body: Record<string, unknown>;
  ownerKey: OwnerKey;
}
