import type { AuthRefusal } from './auth-refusal.js';
import type { Right } from './roles.js';

/*
 * What a REST route needs, and how a refusal is answered over HTTP: one rule for every process that serves REST
 * (the config API, the control service on its own, the all-in-one that serves both), so a route is open, read or
 * written alike wherever it is served.
 */

/** What a route needs: nothing (open), or a right. */
export type RouteAccess = 'open' | Right;

/** Open to anyone, authentication or not: probes, scrapes and the API browser. */
const OPEN = /^\/(health|metrics|docs)(\/|$)/;
/** POSTs that only read (their parameters are too long for a query string). */
const READING_POSTS = new Set(['/fqname-to-id', '/id-to-fqname', '/list-bulk-collection']);

/**
 * What a REST route needs (DESIGN §8): /health, /metrics and /docs are open; /audit/* needs the audit right; GET
 * (the config and the control service's /control/* views) and the reading POSTs need read; every other method is a
 * write. A route added later is a write unless it is a GET: the safe side.
 */
export function routeAccess(method: string, path: string): RouteAccess {
  if (OPEN.test(path)) return 'open';
  if (path === '/audit' || path.startsWith('/audit/')) return 'audit';
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'POST' && READING_POSTS.has(path)) return 'read';
  return 'write';
}

/** RFC 6750 §3: the scheme, the realm, and for a token that does not hold, error="invalid_token" and why. */
export function wwwAuthenticate(refusal: AuthRefusal): string {
  if (refusal.reason === 'missing-credentials') return 'Bearer realm="contrail"';
  const description = refusal.message.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
  return `Bearer realm="contrail", error="invalid_token", error_description="${description}"`;
}

/** A refusal as an HTTP edge answers it: the status, the message of the JSON error body, and the headers to set. */
export interface HttpRefusal {
  status: 401 | 403;
  message: string;
  headers: Record<string, string>;
}

/** 401 with `WWW-Authenticate` (the client may retry with credentials), or 403 with the reason alone. */
export function httpRefusal(refusal: AuthRefusal): HttpRefusal {
  const headers: Record<string, string> = refusal.status === 401 ? { 'WWW-Authenticate': wwwAuthenticate(refusal) } : {};
  return { status: refusal.status, message: refusal.message, headers };
}
