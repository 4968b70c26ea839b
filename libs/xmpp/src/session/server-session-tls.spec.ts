import { describe, expect, it } from '@jest/globals';
import {
  STREAM_CLOSE,
  XmppCodecError,
  XmppServerSession,
  decodeStartTls,
  decodeStartTlsAnswer,
  decodeStreamError,
  decodeStreamFeatures,
  encodeAgentStreamHeader,
  encodeConfigSubscribe,
  encodeControlStreamHeader,
  encodeProceed,
  encodeStartTls,
  encodeStreamError,
  encodeStreamFeatures,
  encodeTlsFailure,
  encodeVrfSubscribe,
  XmppFramer,
  type AgentIdentity,
  type ServerSessionOptions,
  type SessionAction,
} from '#libs/xmpp';

const T0 = 1_000_000;
const ADDRESS = '192.168.1.11';
const AGENT: AgentIdentity = { name: 'worker-3', remoteAddress: ADDRESS, subcluster: '', to: 'network-control@contrailsystems.com' };

function session(options: Partial<ServerSessionOptions> = {}): XmppServerSession {
  return new XmppServerSession({ remoteAddress: ADDRESS, now: T0, ...options });
}

function feed(target: XmppServerSession, text: string, now = T0): SessionAction[] {
  return target.received(Buffer.from(text), now);
}

function sent(actions: readonly SessionAction[]): Array<string | Uint8Array> {
  return actions.flatMap((action) => (action.type === 'send' ? [action.data] : []));
}

/** Header, features, <starttls/>, <proceed/>: the session waits for the handshake. */
function negotiate(options: Partial<ServerSessionOptions> = {}): XmppServerSession {
  const target = session({ tls: 'require', ...options });
  feed(target, encodeAgentStreamHeader('worker-3'));
  expect(feed(target, encodeStartTls())).toEqual([{ type: 'send', data: encodeProceed() }, { type: 'start-tls' }]);
  return target;
}

describe('STARTTLS stanzas (§1.5)', () => {
  it('writes the features, starttls and proceed as Tungsten Fabric does: an XML declaration, self-closing elements', () => {
    expect(encodeStreamFeatures({ required: true })).toBe(
      '<?xml version="1.0"?>\n<stream:features><starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"><required/></starttls></stream:features>',
    );
    expect(encodeStreamFeatures({ required: false })).toBe('<?xml version="1.0"?>\n<stream:features><starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"/></stream:features>');
    expect(encodeStartTls()).toBe('<?xml version="1.0"?>\n<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>');
    expect(encodeProceed()).toBe('<?xml version="1.0"?>\n<proceed xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>');
    // Nothing after them: the next bytes on the socket are the TLS handshake's.
    expect(encodeStartTls().endsWith('/>')).toBe(true);
    expect(encodeProceed().endsWith('/>')).toBe(true);
  });

  it('frames each as one element, the declaration skipped', () => {
    const framer = new XmppFramer();
    const frames = framer.push(Buffer.from(encodeStreamFeatures({ required: true }) + encodeProceed()));
    expect(frames.map((frame) => frame.kind === 'stanza' && frame.name)).toEqual(['stream:features', 'proceed']);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('decodes what it encodes, and refuses a wrong namespace or element naming the field', () => {
    expect(decodeStreamFeatures('<stream:features><starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"><required/></starttls></stream:features>')).toEqual({
      starttls: true,
      required: true,
    });
    expect(decodeStreamFeatures('<stream:features><starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"/></stream:features>')).toEqual({ starttls: true, required: false });
    expect(decodeStreamFeatures('<stream:features/>')).toEqual({ starttls: false, required: false });
    expect(() => decodeStartTls('<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>')).not.toThrow();
    expect(() => decodeStartTls('<starttls/>')).toThrow(new XmppCodecError('<starttls> must be in urn:ietf:params:xml:ns:xmpp-tls, got null', 'starttls@xmlns'));
    expect(() => decodeStartTls('<proceed xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>')).toThrow('expected <starttls>, got <proceed>');
    expect(decodeStartTlsAnswer('<proceed xmlns="urn:ietf:params:xml:ns:xmpp-tls"/>')).toBe('proceed');
    expect(decodeStartTlsAnswer(encodeTlsFailure())).toBe('failure');
    expect(() => decodeStartTlsAnswer('<iq type="set"/>')).toThrow('expected <proceed/> or <failure/> after <starttls/>, got <iq>');
  });

  it('writes a stream error with its condition and an escaped text, and reads it back', () => {
    const xml = encodeStreamError('policy-violation', 'TLS first & <only>');
    expect(xml).toBe(
      '<stream:error><policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>' +
        '<text xmlns="urn:ietf:params:xml:ns:xmpp-streams" xml:lang="en">TLS first &amp; &lt;only&gt;</text></stream:error>',
    );
    expect(decodeStreamError(xml)).toEqual({ condition: 'policy-violation', text: 'TLS first & <only>' });
  });
});

describe('XmppServerSession with STARTTLS (§1.5)', () => {
  it('off (the default) is the plain dialect: no features, the header admitted at once', () => {
    const target = session();
    expect(feed(target, encodeAgentStreamHeader('worker-3'))).toEqual([
      { type: 'send', data: encodeControlStreamHeader('worker-3') },
      { type: 'established', agent: AGENT },
    ]);
  });

  it('require: header, then features with <required/>; <starttls/> is answered <proceed/> and the handshake starts', () => {
    const admitted: AgentIdentity[] = [];
    const target = session({ tls: 'require', admit: (agent) => (admitted.push(agent), { verdict: 'accept' }) });
    expect(feed(target, encodeAgentStreamHeader('worker-3'))).toEqual([
      { type: 'send', data: encodeControlStreamHeader('worker-3') },
      { type: 'send', data: encodeStreamFeatures({ required: true }) },
    ]);
    expect(target.state).toBe('tls-offered');
    // Admission waits for the stream over TLS (TF's OpenConfirm).
    expect(admitted).toEqual([]);
    expect(feed(target, encodeStartTls())).toEqual([{ type: 'send', data: encodeProceed() }, { type: 'start-tls' }]);
    expect(target.state).toBe('tls-handshake');
    expect(target.secured).toBe(false);
  });

  it('after the handshake the stream restarts: the header again, admitted and answered, then stanzas as usual', () => {
    const admitted: AgentIdentity[] = [];
    const target = negotiate({ admit: (agent) => (admitted.push(agent), { verdict: 'accept' }) });
    expect(target.tlsEstablished(T0 + 50)).toEqual([]);
    expect(target.state).toBe('awaiting-header');
    expect(target.secured).toBe(true);
    expect(feed(target, encodeAgentStreamHeader('worker-3'), T0 + 60)).toEqual([
      { type: 'send', data: encodeControlStreamHeader('worker-3') },
      { type: 'established', agent: AGENT },
    ]);
    expect(admitted).toEqual([AGENT]);
    const actions = feed(target, encodeVrfSubscribe({ from: 'worker-3', vrf: 'default-domain:p:vn:vn', instanceId: 1 }), T0 + 70);
    expect(actions.map((action) => action.type)).toEqual(['request']);
  });

  it('require refuses an agent that sends a stanza instead of <starttls/>: a policy-violation stream error, then the end', () => {
    const target = session({ tls: 'require' });
    feed(target, encodeAgentStreamHeader('worker-3'));
    const actions = feed(target, encodeConfigSubscribe('worker-3', { type: 'virtual-router', fqName: 'default-global-system-config:worker-3' }));
    const reason = 'agent worker-3 (192.168.1.11) sent <iq> without starting TLS: this control node requires TLS (xmpp-dialect.md §1.5)';
    expect(actions).toEqual([
      { type: 'send', data: encodeStreamError('policy-violation', reason) },
      { type: 'send', data: STREAM_CLOSE },
      { type: 'close', reason },
    ]);
    expect(target.state).toBe('closed');
  });

  it('on lets an agent stay plain: its first stanza admits it (the header already answered) and is handled', () => {
    const admitted: AgentIdentity[] = [];
    const target = session({ tls: 'on', admit: (agent) => (admitted.push(agent), { verdict: 'accept' }) });
    expect(sent(feed(target, encodeAgentStreamHeader('worker-3')))).toEqual([encodeControlStreamHeader('worker-3'), encodeStreamFeatures({ required: false })]);
    const actions = feed(target, encodeVrfSubscribe({ from: 'worker-3', vrf: 'default-domain:p:vn:vn', instanceId: 1 }));
    expect(actions.map((action) => action.type)).toEqual(['established', 'request']);
    expect(admitted).toEqual([AGENT]);
    expect(target.state).toBe('open');
    expect(target.secured).toBe(false);
  });

  it('on: an agent refused at admission is closed with the stream end (its header was answered)', () => {
    const target = session({ tls: 'on', admit: () => ({ verdict: 'reject', reason: 'worker-3 is connected from elsewhere' }) });
    feed(target, encodeAgentStreamHeader('worker-3'));
    expect(feed(target, encodeVrfSubscribe({ from: 'worker-3', vrf: 'v', instanceId: 1 }))).toEqual([
      { type: 'send', data: STREAM_CLOSE },
      { type: 'close', reason: 'worker-3 is connected from elsewhere' },
    ]);
  });

  it('a <starttls> in another namespace gets <failure/> and the stream end (RFC 6120 §5.4.2.2)', () => {
    const target = session({ tls: 'require' });
    feed(target, encodeAgentStreamHeader('worker-3'));
    const actions = feed(target, '<starttls xmlns="jabber:client"/>');
    expect(sent(actions)).toEqual([encodeTlsFailure(), STREAM_CLOSE]);
    expect(actions.at(-1)).toEqual({
      type: 'close',
      reason: 'bad <starttls> from agent worker-3 (192.168.1.11): <starttls> must be in urn:ietf:params:xml:ns:xmpp-tls, got "jabber:client"',
    });
  });

  it('a bad first header is refused before any feature is offered', () => {
    const target = session({ tls: 'require' });
    expect(feed(target, '<stream:stream to="x" xmlns:stream="http://etherx.jabber.org/streams">')).toEqual([
      { type: 'close', reason: 'stream header from 192.168.1.11 has no from (the agent name)' },
    ]);
  });

  it('closes when the restarted stream names another agent than the one that started TLS', () => {
    const target = negotiate();
    target.tlsEstablished(T0);
    expect(feed(target, encodeAgentStreamHeader('worker-4'))).toEqual([
      { type: 'close', reason: 'worker-4 (192.168.1.11) restarted the stream after TLS under another name than worker-3' },
    ]);
  });

  it('times each step: the hold time while STARTTLS is offered, the open time for the handshake and for the header after it', () => {
    const offered = session({ tls: 'require', holdTimeSeconds: 9, openTimeSeconds: 5 });
    feed(offered, encodeAgentStreamHeader('worker-3'));
    expect(offered.nextDeadline()).toBe(T0 + 9000);
    expect(offered.tick(T0 + 8999)).toEqual([]);
    expect(offered.tick(T0 + 9000)).toEqual([
      { type: 'send', data: STREAM_CLOSE },
      { type: 'close', reason: 'hold time expired: agent worker-3 (192.168.1.11) sent nothing for 9 s after STARTTLS was offered' },
    ]);

    const handshaking = negotiate({ openTimeSeconds: 5 });
    expect(handshaking.nextDeadline()).toBe(T0 + 5000);
    expect(handshaking.tick(T0 + 5000)).toEqual([{ type: 'close', reason: 'the TLS handshake with agent worker-3 (192.168.1.11) did not finish within 5 s' }]);

    const restarted = negotiate({ openTimeSeconds: 5 });
    restarted.tlsEstablished(T0 + 1000);
    expect(restarted.nextDeadline()).toBe(T0 + 6000);
    expect(restarted.tick(T0 + 6000)).toEqual([{ type: 'close', reason: 'no stream header from 192.168.1.11 within 5 s of the TLS handshake' }]);
  });

  it('sends no keepalive while negotiating, and nothing at all during the handshake (those bytes are TLS\'s)', () => {
    const target = negotiate({ holdTimeSeconds: 3 });
    expect(target.tick(T0 + 1500)).toEqual([]);
    expect(target.close('shutting down')).toEqual([{ type: 'close', reason: 'shutting down' }]);
  });

  it('refuses a second header before TLS and ignores tlsEstablished out of turn', () => {
    const target = session({ tls: 'on' });
    expect(target.tlsEstablished(T0)).toEqual([]);
    feed(target, encodeAgentStreamHeader('worker-3'));
    expect(feed(target, encodeAgentStreamHeader('worker-3'))).toEqual([
      { type: 'send', data: STREAM_CLOSE },
      { type: 'close', reason: 'agent worker-3 (192.168.1.11) sent a second stream header' },
    ]);
  });
});
