import type { AuthRefusal } from './auth-refusal.js';
import { authorizeCommand, ownedBy, type CommandRequest, type ExistingObject } from './authorize-command.js';
import { checkAccess } from './check-access.js';
import type { Principal } from './principal.js';
import type { Right, Role } from './roles.js';

const who = (actor: string, roles: Role[], authentication: Principal['authentication'] = 'token'): Principal => ({ actor, roles, authentication });
const ADMIN = who('root', ['admin']);
const OPERATOR = who('alice', ['operator']);
const READER = who('bob', ['reader']);
const EAST = who('kubemanager:east', ['kubemanager:east'], 'internal');
const ANON_READER = who('anonymous', ['reader'], 'anonymous');
const ANON_ADMIN = who('anonymous', ['admin'], 'anonymous');
const NOBODY = who('carol', [], 'jwt');

const annotations = (pairs: Record<string, string | string[]>) => ({
  key_value_pair: Object.entries(pairs).flatMap(([key, values]) => (Array.isArray(values) ? values : [values]).map((value) => ({ key, value }))),
});
const OWNED_EAST = annotations({ owner: 'k8s', cluster: 'east', kind: 'Pod', k8s_uuid: 'u1' });
const OWNED_WEST = annotations({ owner: 'k8s', cluster: 'west', kind: 'Pod', k8s_uuid: 'u2' });
const object = (type: string, fq: string[], props: Record<string, unknown> = {}): ExistingObject => ({ type, fq_name: fq, props });
const eastVn = object('virtual-network', ['default-domain', 'east-default', 'east-default-pod-network'], { annotations: OWNED_EAST });
const westVn = object('virtual-network', ['default-domain', 'west-default', 'west-default-pod-network'], { annotations: OWNED_WEST });
const userVn = object('virtual-network', ['default-domain', 'shared', 'stretched']);
const eastCluster = object('cluster', ['default-global-system-config', 'east'], { cluster_attached: true });
const westCluster = object('cluster', ['default-global-system-config', 'west']);

function decide(principal: Principal, command: CommandRequest, existing?: ExistingObject): AuthRefusal | undefined {
  return authorizeCommand(principal, command, existing);
}
const allowed = (refusal: AuthRefusal | undefined) => expect(refusal).toBeUndefined();
function refused(refusal: AuthRefusal | undefined, status: 401 | 403, reason: string, message?: RegExp) {
  expect(refusal).toBeDefined();
  expect([refusal!.status, refusal!.reason]).toEqual([status, reason]);
  if (message) expect(refusal!.message).toMatch(message);
}

describe('checkAccess: the coarse right of each role', () => {
  const table: Array<[Principal, Right, boolean]> = [
    [ADMIN, 'read', true], [ADMIN, 'write', true], [ADMIN, 'audit', true],
    [OPERATOR, 'read', true], [OPERATOR, 'write', true], [OPERATOR, 'audit', true],
    [READER, 'read', true], [READER, 'write', false], [READER, 'audit', true],
    [EAST, 'read', true], [EAST, 'write', true], [EAST, 'audit', false],
    [NOBODY, 'read', false], [NOBODY, 'write', false], [NOBODY, 'audit', false],
  ];
  it.each(table)('%j %s → %s', (principal, right, ok) => {
    expect(checkAccess(principal, right, 'the call') === undefined).toBe(ok);
  });

  it('refuses an authenticated caller with 403 naming the role needed', () => {
    refused(checkAccess(READER, 'write', 'POST /virtual-networks'), 403, 'role', /^bob \(reader\) may not POST \/virtual-networks: it needs the role operator or admin$/);
    refused(checkAccess(EAST, 'audit', 'GET /audit/events'), 403, 'role', /needs the role reader, operator or admin/);
    refused(checkAccess(NOBODY, 'read', 'GET /projects'), 403, 'role', /carol \(no role\)/);
  });

  it('refuses an anonymous caller with 401: a token would help', () => {
    refused(checkAccess(ANON_READER, 'write', 'POST /projects'), 401, 'missing-credentials', /authentication required: POST \/projects needs a bearer token.*anonymous callers are reader/);
  });
});

describe('authorizeCommand', () => {
  it('lets an admin, an operator and an anonymous admin write anything, owned by a cluster or not', () => {
    for (const principal of [ADMIN, OPERATOR, ANON_ADMIN]) {
      allowed(decide(principal, { kind: 'create', type: 'project', body: { fq_name: ['default-domain', 'p'] } }));
      allowed(decide(principal, { kind: 'update', type: 'virtual-network', uuid: 'u', body: { annotations: null } }, eastVn));
      allowed(decide(principal, { kind: 'delete', type: 'cluster', uuid: 'u' }, eastCluster));
    }
  });

  it('refuses a reader (403) and an anonymous reader (401)', () => {
    refused(decide(READER, { kind: 'delete', type: 'virtual-network', uuid: 'u' }, userVn), 403, 'role', /may not delete a virtual-network/);
    refused(decide(ANON_READER, { kind: 'create', type: 'project', body: {} }), 401, 'missing-credentials');
  });

  describe('a kubemanager writes its own cluster\'s objects only', () => {
    it('creates an object that carries owner=k8s and cluster=<its cluster>', () => {
      allowed(decide(EAST, { kind: 'create', type: 'virtual-machine', body: { fq_name: ['east__default__a'], annotations: OWNED_EAST } }));
    });

    it.each([
      ['no annotations', {}, /the new virtual-machine does not carry them \(no owner annotations\)/],
      ['another cluster\'s', { annotations: OWNED_WEST }, /owner=k8s, cluster=west/],
      ['cluster=east without owner=k8s', { annotations: annotations({ cluster: 'east' }) }, /cluster=east\)/],
      ['owner other than k8s', { annotations: annotations({ owner: 'user', cluster: 'east' }) }, /owner=user/],
      ['a second cluster entry', { annotations: annotations({ owner: 'k8s', cluster: ['east', 'west'] }) }, /cluster=east, cluster=west/],
      ['annotations that are not a map', { annotations: 'owner=k8s' }, /no owner annotations/],
    ])('refuses to create an object with %s', (_what, body, message) => {
      refused(decide(EAST, { kind: 'create', type: 'virtual-machine', body: { fq_name: ['x'], ...body } }), 403, 'scope', message);
    });

    it('creates and updates its own cluster object (recorded when missing), not another cluster\'s', () => {
      allowed(decide(EAST, { kind: 'create', type: 'cluster', body: { fq_name: ['default-global-system-config', 'east'], cluster_attached: true } }));
      allowed(decide(EAST, { kind: 'update', type: 'cluster', uuid: 'c', body: { cluster_attached: true } }, eastCluster));
      refused(decide(EAST, { kind: 'create', type: 'cluster', body: { fq_name: ['default-global-system-config', 'west'] } }), 403, 'scope');
      refused(decide(EAST, { kind: 'update', type: 'cluster', uuid: 'c', body: {} }, westCluster), 403, 'scope', /cluster default-global-system-config:west is not one of them/);
    });

    it('may not delete or ref-update its cluster object (it does not carry the annotations)', () => {
      refused(decide(EAST, { kind: 'delete', type: 'cluster', uuid: 'c' }, eastCluster), 403, 'scope');
      refused(decide(EAST, { kind: 'ref-update', type: 'cluster', uuid: 'c' }, eastCluster), 403, 'scope');
    });

    it('updates an object of its cluster, keeping or restating the annotations', () => {
      allowed(decide(EAST, { kind: 'update', type: 'virtual-network', uuid: 'u', body: { display_name: 'x' } }, eastVn));
      allowed(decide(EAST, { kind: 'update', type: 'virtual-network', uuid: 'u', body: { annotations: annotations({ owner: 'k8s', cluster: 'east', name: 'new' }) } }, eastVn));
    });

    it.each([
      ['removes them', null, /would remove or change them on virtual-network default-domain:east-default:east-default-pod-network \(no owner annotations\)/],
      ['moves the object to another cluster', OWNED_WEST, /cluster=west/],
      ['drops owner=k8s', annotations({ cluster: 'east' }), /would remove or change them/],
    ])('refuses an update that %s', (_what, value, message) => {
      refused(decide(EAST, { kind: 'update', type: 'virtual-network', uuid: 'u', body: { annotations: value } }, eastVn), 403, 'scope', message);
    });

    it.each([
      ['another cluster\'s object', westVn, /virtual-network default-domain:west-default:west-default-pod-network is not one of them \(owner=k8s, cluster=west\)/],
      ['a user\'s object', userVn, /default-domain:shared:stretched is not one of them \(no owner annotations\)/],
    ])('refuses to update, delete or ref-update %s', (_what, existing, message) => {
      for (const kind of ['update', 'delete', 'ref-update'] as const) {
        refused(decide(EAST, { kind, type: 'virtual-network', uuid: 'u', body: { annotations: OWNED_EAST } }, existing), 403, 'scope', message);
      }
    });

    it('deletes and ref-updates an object of its cluster (a ref to a user\'s network is the referring object\'s business)', () => {
      allowed(decide(EAST, { kind: 'delete', type: 'virtual-network', uuid: 'u' }, eastVn));
      allowed(decide(EAST, { kind: 'ref-update', type: 'virtual-network', uuid: 'u' }, eastVn));
    });

    it('lets a command on an object that does not exist through: the decision answers 404 and writes nothing', () => {
      allowed(decide(EAST, { kind: 'update', type: 'virtual-network', uuid: 'gone', body: {} }, undefined));
      allowed(decide(EAST, { kind: 'delete', type: 'virtual-network', uuid: 'gone' }, undefined));
    });

    it('names the kubemanager and its cluster in every refusal', () => {
      refused(decide(EAST, { kind: 'delete', type: 'virtual-network', uuid: 'u' }, userVn), 403, 'scope', /^kubemanager:east may write only the objects of cluster east \(annotations owner=k8s, cluster=east\): /);
    });
  });
});

describe('ownedBy', () => {
  it('needs both keys, each with the one value', () => {
    expect(ownedBy(OWNED_EAST, 'east')).toBe(true);
    expect(ownedBy(OWNED_EAST, 'west')).toBe(false);
    expect(ownedBy(annotations({ owner: ['k8s', 'k8s'], cluster: 'east' }), 'east')).toBe(true);
    expect(ownedBy(annotations({ owner: ['k8s', 'user'], cluster: 'east' }), 'east')).toBe(false);
    expect(ownedBy(undefined, 'east')).toBe(false);
    expect(ownedBy({ key_value_pair: [null, 3] }, 'east')).toBe(false);
  });
});
