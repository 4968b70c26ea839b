import { ConfigState } from '#libs/domain';
import type { RecordedEvent } from '#libs/event-store';
import { AuthRefusal } from './auth-refusal.js';
import { COMMAND_REFUSED, REFUSALS_STREAM, commandRefusedEvent } from './refusal-event.js';

describe('commandRefusedEvent', () => {
  it('records who (or unauthenticated), from where, what and why', () => {
    const event = commandRefusedEvent(
      { address: '10.0.0.9', protocol: 'rest', operation: 'create', request: 'POST /virtual-networks', type: 'virtual-network', fq_name: ['d', 'p', 'n'], correlationId: 'r-1' },
      new AuthRefusal(401, 'unknown-token', 'bearer token refused: it is not a known API token'),
      '2026-11-26T10:00:00.000Z',
    );
    expect(event).toEqual({
      type: COMMAND_REFUSED,
      data: {
        actor: 'unauthenticated',
        address: '10.0.0.9',
        protocol: 'rest',
        operation: 'create',
        request: 'POST /virtual-networks',
        status: 401,
        reason: 'unknown-token',
        message: 'bearer token refused: it is not a known API token',
        at: '2026-11-26T10:00:00.000Z',
        type: 'virtual-network',
        fq_name: ['d', 'p', 'n'],
      },
      metadata: { actor: 'unauthenticated', source: 'rest', schemaVersion: 1, correlationId: 'r-1' },
    });
    const byKubemanager = commandRefusedEvent(
      { principal: { actor: 'kubemanager:east', roles: ['kubemanager:east'], authentication: 'token' }, address: '::1', protocol: 'grpc', operation: 'delete', request: 'ConfigService/Delete', uuid: 'u' },
      new AuthRefusal(403, 'scope', 'no'),
      'now',
    );
    expect(byKubemanager.metadata).toEqual({ actor: 'kubemanager:east', source: 'grpc', schemaVersion: 1, authentication: 'token' });
    expect(byKubemanager.data).toMatchObject({ actor: 'kubemanager:east', uuid: 'u', status: 403, reason: 'scope' });
  });

  it('leaves the config state as it was: no object, no stream revision, the same digest; only the position moves', () => {
    const state = new ConfigState();
    const digest = state.digest();
    const event = commandRefusedEvent({ address: 'a', protocol: 'rest', operation: 'create', request: 'POST /projects', uuid: 'u-1', type: 'project' }, new AuthRefusal(403, 'role', 'no'), 'now');
    const recorded: RecordedEvent = { ...event, eventId: 'e', streamId: REFUSALS_STREAM, streamRevision: 0, globalPosition: 7, recordedAt: 'now', metadata: event.metadata ?? {} };
    state.apply(recorded);
    expect(state.digest()).toBe(digest);
    expect(state.position).toBe(7);
    expect(state.revision(REFUSALS_STREAM)).toBeUndefined();
    expect(state.get('u-1')).toBeUndefined();
  });
});
