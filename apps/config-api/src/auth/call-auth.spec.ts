import { describe, expect, it } from '@jest/globals';
import type { Principal } from '#libs/security';
import { actorFor, addressOf, grpcPeerAddress } from './call-auth.js';

const who = (actor: string, roles: Principal['roles'], authentication: Principal['authentication'] = 'token'): Principal => ({ actor, roles, authentication });

describe('actorFor', () => {
  it('is the principal for an authenticated caller, whatever header it sends', () => {
    expect(actorFor(who('alice', ['operator']), 'mallory')).toBe('alice');
    expect(actorFor(who('kubemanager:east', ['kubemanager:east'], 'internal'), 'kubemanager:west')).toBe('kubemanager:east');
    expect(actorFor(who('dave', ['reader'], 'jwt'), undefined)).toBe('dave');
  });

  it('is the user an admin acts for, when it names one', () => {
    expect(actorFor(who('frontend', ['admin']), 'carol')).toBe('carol');
    expect(actorFor(who('frontend', ['admin']), undefined)).toBe('frontend');
  });

  it('is the header, else anonymous, for an anonymous caller or without authentication wiring', () => {
    expect(actorFor(who('anonymous', ['admin'], 'anonymous'), 'alice')).toBe('alice');
    expect(actorFor(who('anonymous', ['admin'], 'anonymous'), undefined)).toBe('anonymous');
    expect(actorFor(undefined, 'bob')).toBe('bob');
  });
});

describe('caller addresses', () => {
  it.each([
    ['127.0.0.1:50000', '127.0.0.1'],
    ['::1:50000', '::1'],
    ['[::1]:50000', '::1'],
    ['::ffff:10.1.2.3:4000', '10.1.2.3'],
    ['unix:/tmp/s', 'unix:/tmp/s'],
  ])('gRPC peer %s → %s', (peer, address) => {
    expect(grpcPeerAddress(peer)).toBe(address);
  });

  it('strips the IPv4-mapped prefix of a socket address', () => {
    expect([addressOf('::ffff:127.0.0.1'), addressOf('::1'), addressOf(undefined)]).toEqual(['127.0.0.1', '::1', 'unknown']);
  });
});
