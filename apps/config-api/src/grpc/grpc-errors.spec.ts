import { describe, expect, it } from '@jest/globals';
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  CONFIG_MODEL,
  ConfigError,
  ConfigState,
  decideCreate,
  decideDelete,
  decideUpdate,
  type CommandContext,
  type Decision,
} from '#libs/domain';
import { InvalidAppendError, StoreClosedError, StoreUnavailableError } from '#libs/event-store';
import { INTERNAL_FAILURE, grpcCodeOf, grpcFailureOf, statusOf } from './grpc-errors.js';

/** The deciders over an in-memory fold: enough to make them raise their real errors. */
class World {
  readonly state = new ConfigState();
  private position = 0;
  private uuids = 0;

  ctx(): CommandContext {
    return { at: '2026-11-26T00:00:00.000Z', newUuid: () => `00000000-0000-4000-8000-${String(++this.uuids).padStart(12, '0')}` };
  }

  commit(decision: Decision): string {
    for (const write of decision.writes) {
      let revision = this.state.revision(write.streamId) ?? -1;
      for (const e of write.events) {
        this.state.apply({ type: e.type, streamId: write.streamId, streamRevision: ++revision, globalPosition: ++this.position, data: e.data });
      }
    }
    return decision.uuid;
  }

  create(type: string, body: Record<string, unknown>): string {
    return this.commit(decideCreate(this.state, CONFIG_MODEL, type, body, this.ctx()));
  }
}

const PROJECT = ['default-domain', 'default-project'];
const IPAM = [...PROJECT, 'default-network-ipam'];

function withDefaults(): World {
  const world = new World();
  world.create('global-system-config', { fq_name: ['default-global-system-config'], autonomous_system: 64512 });
  world.create('domain', { fq_name: ['default-domain'] });
  world.create('project', { fq_name: PROJECT, parent_type: 'domain' });
  world.create('network-ipam', { fq_name: IPAM, parent_type: 'project' });
  return world;
}

/** A network with one /29: four usable addresses (network, broadcast, gateway and DNS are reserved). */
function withSmallNetwork(world: World): string {
  return world.create('virtual-network', {
    fq_name: [...PROJECT, 'small'],
    network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.9.0.0', ip_prefix_len: 29 } }] } }],
  });
}

function refusal(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const codeOf = (error: ConfigError) => grpcFailureOf(error)?.code;

describe('grpcCodeOf: each REST status maps to one gRPC code', () => {
  it.each([
    [400, GrpcStatus.INVALID_ARGUMENT],
    [403, GrpcStatus.PERMISSION_DENIED],
    [404, GrpcStatus.NOT_FOUND],
    [412, GrpcStatus.FAILED_PRECONDITION],
    [413, GrpcStatus.RESOURCE_EXHAUSTED],
    [503, GrpcStatus.UNAVAILABLE],
  ] as const)('%i → %s', (status, code) => {
    expect(grpcCodeOf(status, 'anything')).toBe(code);
  });

  it('a 409 that is neither a taken name, a full pool nor a lost race is FAILED_PRECONDITION', () => {
    expect(grpcCodeOf(409, 'something about the current state')).toBe(GrpcStatus.FAILED_PRECONDITION);
  });
});

describe('409s of the real deciders, told apart', () => {
  it('a taken fq_name is ALREADY_EXISTS', () => {
    const world = withDefaults();
    world.create('virtual-network', { fq_name: [...PROJECT, 'blue'] });
    const error = refusal(() => decideCreate(world.state, CONFIG_MODEL, 'virtual-network', { fq_name: [...PROJECT, 'blue'] }, world.ctx()));
    expect(error.status).toBe(409);
    expect(codeOf(error)).toBe(GrpcStatus.ALREADY_EXISTS);
  });

  it('a taken uuid is ALREADY_EXISTS', () => {
    const world = withDefaults();
    const uuid = world.create('virtual-network', { fq_name: [...PROJECT, 'blue'] });
    const error = refusal(() => decideCreate(world.state, CONFIG_MODEL, 'virtual-network', { fq_name: [...PROJECT, 'red'], uuid }, world.ctx()));
    expect(codeOf(error)).toBe(GrpcStatus.ALREADY_EXISTS);
  });

  it('a requested address that is already allocated is ALREADY_EXISTS', () => {
    const world = withDefaults();
    withSmallNetwork(world);
    const body = { fq_name: ['ip-a'], virtual_network_refs: [{ to: [...PROJECT, 'small'] }], instance_ip_address: '10.9.0.3' };
    world.create('instance-ip', body);
    const error = refusal(() => decideCreate(world.state, CONFIG_MODEL, 'instance-ip', { ...body, fq_name: ['ip-b'] }, world.ctx()));
    expect(error.status).toBe(409);
    expect(codeOf(error)).toBe(GrpcStatus.ALREADY_EXISTS);
  });

  it('a subnet with no free address left is RESOURCE_EXHAUSTED', () => {
    const world = withDefaults();
    withSmallNetwork(world);
    const body = (n: number) => ({ fq_name: [`ip-${n}`], virtual_network_refs: [{ to: [...PROJECT, 'small'] }] });
    let n = 0;
    let error: ConfigError | undefined;
    while (!error && n < 16) {
      try {
        world.create('instance-ip', body(++n));
      } catch (e) {
        error = e as ConfigError;
      }
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.status).toBe(409);
    expect(codeOf(error!)).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
  });

  it('an exhausted number pool is RESOURCE_EXHAUSTED', () => {
    expect(grpcCodeOf(409, 'the vn-id pool is exhausted (1..16777215)')).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(grpcCodeOf(409, 'vn_id: no vn-id is left: all of 1..4 are in use')).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
  });

  it('delete with children is FAILED_PRECONDITION', () => {
    const world = withDefaults();
    const project = world.state.uuidOf('project', PROJECT)!;
    const error = refusal(() => decideDelete(world.state, CONFIG_MODEL, 'project', project, world.ctx()));
    expect(error.message).toContain('children');
    expect(codeOf(error)).toBe(GrpcStatus.FAILED_PRECONDITION);
  });

  it('delete with back-refs is FAILED_PRECONDITION', () => {
    const world = withDefaults();
    const network = withSmallNetwork(world);
    world.create('instance-ip', { fq_name: ['ip-a'], virtual_network_refs: [{ uuid: network }] });
    const error = refusal(() => decideDelete(world.state, CONFIG_MODEL, 'virtual-network', network, world.ctx()));
    expect(error.message).toContain('referred to by');
    expect(codeOf(error)).toBe(GrpcStatus.FAILED_PRECONDITION);
  });

  it('a subnet that still has addresses cannot be removed: FAILED_PRECONDITION', () => {
    const world = withDefaults();
    const network = withSmallNetwork(world);
    world.create('instance-ip', { fq_name: ['ip-a'], virtual_network_refs: [{ uuid: network }] });
    const error = refusal(() => decideUpdate(world.state, CONFIG_MODEL, 'virtual-network', network, { network_ipam_refs: null }, world.ctx()));
    expect(error.status).toBe(409);
    expect(codeOf(error)).toBe(GrpcStatus.FAILED_PRECONDITION);
  });

  it('a command that kept losing optimistic-concurrency races is ABORTED (retry)', () => {
    const error = new ConfigError(409, 'a concurrent change to pool-vn-id kept winning; retry the request');
    expect(codeOf(error)).toBe(GrpcStatus.ABORTED);
  });
});

describe('grpcFailureOf', () => {
  it('keeps the message and the field, and remembers the REST status', () => {
    const failure = grpcFailureOf(new ConfigError(400, 'name: expected a non-empty string, got 3', 'name'));
    expect(failure).toEqual({ code: GrpcStatus.INVALID_ARGUMENT, details: 'name: expected a non-empty string, got 3', httpStatus: 400, field: 'name' });
  });

  it("a failed If-Match says If-Match, as the decider's message already does", () => {
    const world = withDefaults();
    const project = world.state.uuidOf('project', PROJECT)!;
    const error = refusal(() => decideUpdate(world.state, CONFIG_MODEL, 'project', project, { display_name: 'x' }, world.ctx(), 7));
    const failure = grpcFailureOf(error)!;
    expect(failure.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(failure.details).toMatch(/revision 0, not 7.*If-Match/);
  });

  it('adds If-Match to a 412 whose message does not name it', () => {
    expect(grpcFailureOf(new ConfigError(412, 'stale'))!.details).toBe('stale (If-Match: if_match_revision did not match)');
  });

  it('a store that is down or closed is UNAVAILABLE; an append the store refused is INVALID_ARGUMENT', () => {
    expect(grpcFailureOf(new StoreUnavailableError('connection refused'))).toMatchObject({
      code: GrpcStatus.UNAVAILABLE,
      details: 'the event log is unavailable: connection refused',
    });
    expect(grpcFailureOf(new StoreClosedError())!.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(grpcFailureOf(new InvalidAppendError('event too large'))).toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT, details: 'event too large' });
  });

  it('an unexpected error has no gRPC form: the caller answers INTERNAL without details', () => {
    expect(grpcFailureOf(new TypeError('x is undefined'))).toBeUndefined();
    expect(INTERNAL_FAILURE).toMatchObject({ code: GrpcStatus.INTERNAL, details: 'internal error' });
  });
});

describe('statusOf', () => {
  it('puts the REST status and the field in trailing metadata', () => {
    const status = statusOf({ code: GrpcStatus.INVALID_ARGUMENT, details: 'bad', httpStatus: 400, field: 'object_json' });
    expect(status.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(status.details).toBe('bad');
    expect(status.metadata!.get('x-http-status')).toEqual(['400']);
    expect(status.metadata!.get('x-error-field')).toEqual(['object_json']);
  });

  it('leaves x-error-field out when there is no field', () => {
    const status = statusOf({ code: GrpcStatus.NOT_FOUND, details: 'gone', httpStatus: 404 });
    expect(status.metadata!.get('x-error-field')).toEqual([]);
  });
});
