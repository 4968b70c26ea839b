import { AuthRefusal } from './auth-refusal.js';
import { httpRefusal, routeAccess, wwwAuthenticate } from './rest-access.js';

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
    ['GET', '/control/clusters/east', 'read'],
    ['GET', '/control/vrfs/a:b:c:c/routes', 'read'],
    ['GET', '/control/desired-state/verify', 'read'],
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
    ['POST', '/control/some-action-added-later', 'write'],
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

describe('httpRefusal', () => {
  it('answers a 401 with WWW-Authenticate, so the client knows to send a bearer token', () => {
    expect(httpRefusal(new AuthRefusal(401, 'unknown-token', 'bearer token refused'))).toEqual({
      status: 401,
      message: 'bearer token refused',
      headers: { 'WWW-Authenticate': 'Bearer realm="contrail", error="invalid_token", error_description="bearer token refused"' },
    });
  });

  it('answers a 403 with its reason and no challenge: other credentials are not what is missing', () => {
    expect(httpRefusal(new AuthRefusal(403, 'role', 'bob (reader) may not POST /x'))).toEqual({ status: 403, message: 'bob (reader) may not POST /x', headers: {} });
  });
});
