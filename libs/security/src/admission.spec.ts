import { admit } from './admission.js';
import { Authenticator, noCredentials, type Credentials } from './authenticator.js';
import { parseTokenFile } from './token-file.js';
import { TokenTable } from './token-table.js';

const READER = 'reader-token-0123456789';
const KUBEMANAGER = 'east-token-0123456789ab';

function credentials(): Credentials {
  const parsed = parseTokenFile(`${READER} bob reader\n${KUBEMANAGER} kubemanager:east kubemanager:east\n`);
  if (!parsed.ok) throw new Error('bad fixture');
  return { tokens: TokenTable.of(parsed.entries), jwt: { publicKeys: [] } };
}

describe('admit', () => {
  const jwt = { leewaySeconds: 30 };
  const authenticator = new Authenticator(credentials(), { anonymous: 'off', jwt });

  it('lets a caller whose role carries the right through, with its principal', () => {
    expect(admit(authenticator, `Bearer ${READER}`, 'read', 'GET /control/agents')).toEqual({ principal: { actor: 'bob', roles: ['reader'], authentication: 'token' } });
  });

  it('answers a 401 without a principal for missing or unknown credentials', () => {
    expect(admit(authenticator, undefined, 'read', 'GET /control/agents')).toMatchObject({ refusal: { status: 401, reason: 'missing-credentials' } });
    const unknown = admit(authenticator, 'Bearer guessed-token-000000000', 'read', 'GET /control/agents');
    expect(unknown).toMatchObject({ refusal: { status: 401, reason: 'unknown-token' } });
    expect(unknown.principal).toBeUndefined();
  });

  it('answers a 403 naming the call and the role needed, and keeps the principal for the record', () => {
    const admission = admit(authenticator, `Bearer ${KUBEMANAGER}`, 'audit', 'GET /audit/events');
    expect(admission.principal?.actor).toBe('kubemanager:east');
    expect(admission.refusal).toMatchObject({
      status: 403,
      reason: 'role',
      message: 'kubemanager:east (kubemanager:east) may not GET /audit/events: it needs the role reader, operator or admin',
    });
  });

  it('answers a 401 to an anonymous caller whose role lacks the right: a token would help', () => {
    const anonymousReader = new Authenticator(noCredentials(), { anonymous: 'reader', jwt });
    expect(admit(anonymousReader, undefined, 'read', 'GET /control/agents').refusal).toBeUndefined();
    expect(admit(anonymousReader, undefined, 'write', 'POST /virtual-networks').refusal).toMatchObject({ status: 401, reason: 'missing-credentials' });
  });

  it('throws what is not a refusal: a bug is not answered as a 401', () => {
    const broken = { authenticate: () => { throw new TypeError('boom'); } } as unknown as Authenticator;
    expect(() => admit(broken, 'Bearer x', 'read', 'GET /')).toThrow(TypeError);
  });
});
