import { describe, expect, it } from '@jest/globals';
import { AuthRefusal } from '#libs/security';
import { routeAccess, wwwAuthenticate } from './rest-auth.guard.js';

describe('routeAccess', () => {
  it.each([
    ['GET', '/health', 'open'],
    ['GET', '/metrics', 'open'],
    ['GET', '/docs', 'open'],
    ['GET', '/docs/openapi.json', 'open'],
    ['GET', '/healthy', 'read'],
    ['GET', '/audit/events', 'audit'],
    ['POST', '/audit/verify', 'audit'],
    ['GET', '/audit/refusals', 'audit'],
    ['GET', '/', 'read'],
    ['GET', '/virtual-networks', 'read'],
    ['GET', '/control/agents', 'read'],
    ['POST', '/fqname-to-id', 'read'],
    ['POST', '/id-to-fqname', 'read'],
    ['POST', '/list-bulk-collection', 'read'],
    ['GET', '/prop-collection-get', 'read'],
    ['POST', '/virtual-networks', 'write'],
    ['PUT', '/virtual-network/u', 'write'],
    ['DELETE', '/virtual-network/u', 'write'],
    ['POST', '/ref-update', 'write'],
    ['POST', '/prop-collection-update', 'write'],
    ['POST', '/some-route-added-later', 'write'],
  ])('%s %s → %s', (method, path, access) => {
    expect(routeAccess(method, path)).toBe(access);
  });
});

describe('wwwAuthenticate (RFC 6750 §3)', () => {
  it('names the scheme and realm alone when no credentials came', () => {
    expect(wwwAuthenticate(new AuthRefusal(401, 'missing-credentials', 'authentication required'))).toBe('Bearer realm="contrail"');
  });

  it('says invalid_token and why, with quotes and non-ASCII made safe for a header', () => {
    expect(wwwAuthenticate(new AuthRefusal(401, 'wrong-issuer', 'the issuer "x" is not "y" — ✗'))).toBe(
      `Bearer realm="contrail", error="invalid_token", error_description="the issuer 'x' is not 'y' ? ?"`,
    );
  });
});
