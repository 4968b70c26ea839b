import type { Request } from 'express';
import { badRequest } from '#libs/domain';
import { actorFor, authOf } from '../auth/call-auth.js';
import type { CommandMeta } from '../commands/config-command.service.js';

/** Base URL for hrefs: the scheme and host the client used. */
export function baseUrlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/**
 * Who is calling, for the event metadata: the principal the auth guard let through (auth/call-auth.ts actorFor:
 * `X-User-Name`, as Keystone's middleware sets it, or `X-Actor` count only for an anonymous caller or an admin
 * acting for a user). `Idempotency-Key` becomes the command id.
 */
export function commandMetaOf(req: Request): CommandMeta {
  const auth = authOf(req);
  const actor = actorFor(auth?.principal, req.get('x-user-name') ?? req.get('x-actor'));
  const key = req.get('idempotency-key');
  if (key !== undefined && (key.length === 0 || key.length > 200)) {
    throw badRequest('Idempotency-Key must be 1 to 200 characters', 'Idempotency-Key');
  }
  return { actor, source: 'rest', correlationId: req.get('x-request-id') ?? undefined, commandId: key, principal: auth?.principal, origin: auth?.origin };
}

/** `If-Match: "3"` → 3; absent → undefined. */
export function ifMatchOf(req: Request): number | undefined {
  const header = req.get('if-match');
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
  if (!match) throw badRequest(`If-Match must be an ETag this API gave out (a revision like "3"), not ${header}`, 'If-Match');
  return Number(match[1]);
}

/** `?position=N`: the log position a read must wait for. */
export function positionOf(req: Request): number | undefined {
  const raw = req.query.position;
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isSafeInteger(n) || n < 0) {
    throw badRequest(`position must be a log position (an integer >= 0), not ${JSON.stringify(raw)}`, 'position');
  }
  return n;
}
