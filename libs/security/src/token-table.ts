import { timingSafeEqual } from 'node:crypto';
import type { Principal } from './principal.js';
import { tokenDigest, type TokenEntry } from './token-file.js';

/**
 * Bearer tokens by their SHA-256, never their text. A presented token is hashed and looked up by its digest, then
 * compared with timingSafeEqual: what a lookup's timing could reveal is a digest, not the token, and the final
 * comparison does not stop at the first differing byte.
 */
export class TokenTable {
  private readonly byDigest = new Map<string, { digest: Buffer; principal: Principal }>();

  /** The API tokens of a token file. */
  static of(entries: readonly TokenEntry[]): TokenTable {
    const table = new TokenTable();
    for (const { digest, actor, roles } of entries) table.add(digest, { actor, roles: [...roles], authentication: 'token' });
    return table;
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** Answers the removal. */
  add(digest: Buffer, principal: Principal): () => void {
    const key = digest.toString('hex');
    this.byDigest.set(key, { digest, principal });
    return () => this.byDigest.delete(key);
  }

  lookup(token: string): Principal | undefined {
    if (this.byDigest.size === 0) return undefined;
    const digest = tokenDigest(token);
    const entry = this.byDigest.get(digest.toString('hex'));
    return entry && timingSafeEqual(entry.digest, digest) ? entry.principal : undefined;
  }
}
