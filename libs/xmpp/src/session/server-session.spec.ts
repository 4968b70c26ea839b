import { describe, expect, it } from '@jest/globals';
import {
  decideAdmission,
  encodeAgentEndOfRibIqs,
  encodeAgentEndOfRibMessage,
  encodeAgentStreamHeader,
  encodeConfigSubscribe,
  encodeControlStreamHeader,
  encodeRoutePublish,
  encodeVrfSubscribe,
  encodeVrfUnsubscribe,
  KEEPALIVE_BYTES,
  STREAM_CLOSE,
  unicastEntryForPaths,
  XmppServerSession,
  type AgentIdentity,
  type RouteEntry,
  type ServerSessionOptions,
  type SessionAction,
  type SessionRegistry,
} from '#libs/xmpp';

const VRF = 'default-domain:admin:red:red';
const T0 = 1_000_000;

function open(options: Partial<ServerSessionOptions> = {}): XmppServerSession {
  const session = new XmppServerSession({ remoteAddress: '192.168.1.11', now: T0, ...options });
  const actions = session.received(Buffer.from(encodeAgentStreamHeader('worker-3')), T0);
  expect(actions.map((action) => action.type)).toEqual(['send', 'established']);
  return session;
}

function feed(session: XmppServerSession, text: string | readonly string[], now = T0): SessionAction[] {
  const texts = typeof text === 'string' ? [text] : text;
  return texts.flatMap((piece) => session.received(Buffer.from(piece), now));
}

function route(prefix: string, label = 25): RouteEntry {
  return { family: 'inet', entry: unicastEntryForPaths(prefix, [{ nextHop: '192.168.1.11', label, encapsulations: ['gre', 'udp'], securityGroups: [8000002], sequence: 1, localPreference: 200 }], VRF) };
}

function requests(actions: readonly SessionAction[]): unknown[] {
  return actions.flatMap((action) => (action.type === 'request' ? [action.request] : []));
}

describe('XmppServerSession: header exchange (§1.2)', () => {
  it('answers the agent header with the control header and reports the agent', () => {
    const session = new XmppServerSession({ remoteAddress: '192.168.1.11', now: T0 });
    expect(session.state).toBe('awaiting-header');
    const actions = session.received(Buffer.from(`<?xml version="1.0"?>${encodeAgentStreamHeader('worker-3')}`), T0);
    const agent: AgentIdentity = { name: 'worker-3', remoteAddress: '192.168.1.11', subcluster: '', to: 'network-control@contrailsystems.com' };
    expect(actions).toEqual([
      { type: 'send', data: encodeControlStreamHeader('worker-3') },
      { type: 'established', agent },
    ]);
    expect(session.state).toBe('open');
    expect(session.agent).toEqual(agent);
  });

  it('closes when a stanza comes before the header, or no header comes within 15 s', () => {
    const early = new XmppServerSession({ remoteAddress: '10.0.0.1', now: T0 });
    expect(feed(early, encodeVrfSubscribe({ from: 'a', vrf: VRF, instanceId: 1 }))).toEqual([{ type: 'close', reason: '<iq> before the stream header from 10.0.0.1' }]);
    const silent = new XmppServerSession({ remoteAddress: '10.0.0.1', now: T0 });
    expect(silent.nextDeadline()).toBe(T0 + 15_000);
    expect(silent.tick(T0 + 14_999)).toEqual([]);
    expect(silent.tick(T0 + 15_000)).toEqual([{ type: 'close', reason: 'no stream header from 10.0.0.1 within 15 s' }]);
    expect(silent.state).toBe('closed');
  });

  it('refuses a header without from, and a subcluster mismatch', () => {
    const anonymous = new XmppServerSession({ remoteAddress: '10.0.0.1', now: T0 });
    expect(feed(anonymous, encodeAgentStreamHeader(''))).toEqual([{ type: 'close', reason: 'stream header from 10.0.0.1 has no from (the agent name)' }]);
    const other = new XmppServerSession({ remoteAddress: '10.0.0.1', now: T0, subcluster: 'east' });
    const [close] = feed(other, encodeAgentStreamHeader('worker-3', { subcluster: 'west' }));
    expect(close).toMatchObject({ type: 'close', reason: expect.stringContaining('Subcluster mismatch') });
    const same = new XmppServerSession({ remoteAddress: '10.0.0.1', now: T0, subcluster: 'east' });
    expect(feed(same, encodeAgentStreamHeader('worker-3', { subcluster: 'east' })).map((action) => action.type)).toEqual(['send', 'established']);
  });

  it('ends the stream when the agent does, and on a second header', () => {
    const session = open();
    expect(feed(session, '</stream:stream>')).toEqual([
      { type: 'send', data: STREAM_CLOSE },
      { type: 'close', reason: 'agent worker-3 (192.168.1.11) closed the stream' },
    ]);
    expect(feed(session, encodeVrfSubscribe({ from: 'worker-3', vrf: VRF, instanceId: 1 }))).toEqual([]);
    expect(session.tick(T0 + 1e9)).toEqual([]);
    const twice = open();
    expect(feed(twice, encodeAgentStreamHeader('worker-3')).at(-1)).toEqual({ type: 'close', reason: 'agent worker-3 (192.168.1.11) sent a second stream header' });
  });
});

describe('XmppServerSession: keepalive and hold time (§1.4)', () => {
  it('sends 0xC8 0x80 every hold/3 while nothing else is sent', () => {
    const session = open();
    expect(session.keepaliveIntervalMs).toBe(30_000);
    expect(session.nextDeadline()).toBe(T0 + 30_000);
    expect(session.tick(T0 + 29_999)).toEqual([]);
    expect(session.tick(T0 + 30_000)).toEqual([{ type: 'send', data: KEEPALIVE_BYTES }]);
    expect(session.tick(T0 + 30_001)).toEqual([]);
    session.received(Uint8Array.of(0xc8), T0 + 40_000);
    session.noteSent(T0 + 50_000);
    expect(session.tick(T0 + 60_000)).toEqual([]);
    expect(session.nextDeadline()).toBe(T0 + 80_000);
    expect(session.tick(T0 + 80_000)).toEqual([{ type: 'send', data: KEEPALIVE_BYTES }]);
  });

  it('closes after the hold time without any byte received; any byte restarts it', () => {
    const session = open({ holdTimeSeconds: 9 });
    expect(session.keepaliveIntervalMs).toBe(3000);
    session.received(KEEPALIVE_BYTES, T0 + 8_000);
    expect(session.tick(T0 + 16_999).some((action) => action.type === 'close')).toBe(false);
    expect(session.tick(T0 + 17_000)).toEqual([
      { type: 'send', data: STREAM_CLOSE },
      { type: 'close', reason: 'hold time expired: nothing received from agent worker-3 (192.168.1.11) for 9 s' },
    ]);
  });
});

describe('XmppServerSession: agent requests', () => {
  it('subscribe, publish + associate, dissociate, unsubscribe, end-of-RIB, config subscribe', () => {
    const session = open();
    const [publish, collection] = encodeRoutePublish({ from: 'worker-3', vrf: VRF, route: route('10.1.1.3/32'), op: 'associate' });
    const [withdrawPublish, dissociate] = encodeRoutePublish({ from: 'worker-3', vrf: VRF, route: route('10.1.1.3/32'), op: 'dissociate' });
    const actions = feed(session, [
      encodeVrfSubscribe({ from: 'worker-3', vrf: VRF, instanceId: 3 }),
      encodeConfigSubscribe('worker-3', { type: 'virtual-router', fqName: 'default-global-system-config:worker-3' }),
      publish,
      collection,
      withdrawPublish + dissociate,
      ...encodeAgentEndOfRibIqs('worker-3'),
      encodeAgentEndOfRibMessage('worker-3'),
      encodeVrfUnsubscribe({ from: 'worker-3', vrf: VRF, instanceId: 3 }),
    ]);
    expect(actions.filter((action) => action.type !== 'request')).toEqual([]);
    const [subscribe, configSubscribe, published, withdrawn, ...rest] = requests(actions);
    expect(subscribe).toEqual({ kind: 'subscribe', vrf: VRF, instanceId: 3, noRibOut: false });
    expect(configSubscribe).toEqual({ kind: 'config-subscribe', subject: { type: 'virtual-router', fqName: 'default-global-system-config:worker-3' } });
    expect(published).toMatchObject({ kind: 'publish', vrf: VRF, family: 'inet', routes: [{ prefix: '10.1.1.3/32', nextHop: '192.168.1.11', label: 25, encapsulations: ['gre', 'udp'], securityGroups: [8000002], sequence: 1, localPreference: 200 }] });
    expect(withdrawn).toEqual({ kind: 'withdraw', vrf: VRF, family: 'inet', prefixes: ['10.1.1.3/32'] });
    expect(rest).toEqual([{ kind: 'end-of-rib' }, { kind: 'end-of-rib' }, { kind: 'unsubscribe', vrf: VRF }]);
    expect(session.subscribedVrfs.size).toBe(0);
  });

  it('drops a bad item with its reason and keeps the good ones of the same publish', () => {
    const session = open();
    feed(session, encodeVrfSubscribe({ from: 'worker-3', vrf: VRF, instanceId: 3 }));
    const [good] = encodeRoutePublish({ from: 'worker-3', vrf: VRF, route: route('10.1.1.3/32'), op: 'associate' });
    const node = `1/1/${VRF}/10.1.1.3/32`;
    const badItem = '<item><entry><nlri><af>1</af><safi>1</safi><address>10.1.1.777/32</address></nlri></entry></item>';
    const publish = good!.replace('</item>', `</item>\n${badItem}`);
    const collection = `<iq type="set" from="worker-3" to="network-control@contrailsystems.com/bgp-peer"><pubsub xmlns="http://jabber.org/protocol/pubsub"><collection node="${VRF}"><associate node="${node}"/></collection></pubsub></iq>`;
    const actions = feed(session, [publish, collection]);
    expect(actions[0]).toEqual({ type: 'rejected', reason: `agent worker-3 (192.168.1.11): route item 1 in ${VRF} (inet) dropped: entry/nlri/address: "10.1.1.777" is not an IP address` });
    expect(requests(actions)).toMatchObject([{ kind: 'publish', routes: [{ prefix: '10.1.1.3/32' }] }]);
    expect(session.state).toBe('open');
  });

  it('drops a publish whose collection names another node, and one not followed by its collection', () => {
    const session = open();
    feed(session, encodeVrfSubscribe({ from: 'worker-3', vrf: VRF, instanceId: 3 }));
    const [publishA] = encodeRoutePublish({ from: 'worker-3', vrf: VRF, route: route('10.1.1.3/32'), op: 'associate' });
    const [publishB, collectionB] = encodeRoutePublish({ from: 'worker-3', vrf: VRF, route: route('10.1.1.4/32'), op: 'associate' });
    const actions = feed(session, [publishA!, publishB!, collectionB!.replace('10.1.1.4/32', '10.1.1.5/32')]);
    expect(actions).toEqual([
      { type: 'rejected', reason: `agent worker-3 (192.168.1.11): publish "1/1/${VRF}/10.1.1.3/32" dropped: not followed by its collection iq` },
      { type: 'rejected', reason: `agent worker-3 (192.168.1.11): publish node "1/1/${VRF}/10.1.1.4/32" differs from associate node "1/1/${VRF}/10.1.1.5/32"` },
    ]);
  });

  it('closes as TF does on a duplicate subscribe, an unsubscribe without subscribe, a route without subscribe (§2)', () => {
    const duplicate = open();
    const subscribe = encodeVrfSubscribe({ from: 'worker-3', vrf: VRF, instanceId: 3 });
    expect(feed(duplicate, [subscribe, subscribe]).at(-1)).toEqual({ type: 'close', reason: `agent worker-3 (192.168.1.11) subscribed to ${VRF} twice` });
    const unsubscribe = open();
    expect(feed(unsubscribe, encodeVrfUnsubscribe({ from: 'worker-3', vrf: VRF })).at(-1)).toMatchObject({ type: 'close', reason: expect.stringContaining('without a subscribe') });
    const unsubscribed = open();
    expect(feed(unsubscribed, encodeRoutePublish({ from: 'worker-3', vrf: VRF, route: route('10.1.1.3/32'), op: 'associate' })).at(-1)).toMatchObject({
      type: 'close',
      reason: expect.stringContaining(`sent a route in ${VRF} without subscribing to it`),
    });
    const noInstance = open();
    feed(noInstance, encodeVrfSubscribe({ from: 'worker-3', vrf: VRF }));
    expect(feed(noInstance, encodeRoutePublish({ from: 'worker-3', vrf: VRF, route: route('10.1.1.3/32'), op: 'associate' })).at(-1)).toMatchObject({
      type: 'close',
      reason: expect.stringContaining('subscribed without an instance-id'),
    });
    const lenient = open({ enforceSubscriptions: false });
    expect(requests(feed(lenient, encodeRoutePublish({ from: 'worker-3', vrf: VRF, route: route('10.1.1.3/32'), op: 'associate' })))).toHaveLength(1);
  });

  it('drops unknown stanzas and control-only stanzas, closes on malformed XML', () => {
    const session = open();
    expect(feed(session, '<presence from="worker-3"/>')).toEqual([
      { type: 'rejected', reason: '<presence> from agent worker-3 (192.168.1.11) dropped: unknown stanza <presence> (the dialect has only iq and message)' },
    ]);
    expect(feed(session, '<iq type="get" from="worker-3"><query/></iq>')[0]).toMatchObject({ type: 'rejected', reason: expect.stringContaining('iq@type: "get" is not part of the dialect') });
    expect(feed(session, '<iq type="set" to="x/config"><config><update/></config></iq>')[0]).toMatchObject({ type: 'rejected', reason: expect.stringContaining('only the control node sends it') });
    expect(session.state).toBe('open');
    expect(feed(session, '<iq type="set"><pubsub></pubsub2></iq>')).toEqual([
      { type: 'send', data: STREAM_CLOSE },
      { type: 'close', reason: expect.stringContaining('malformed XML in <iq> from agent worker-3 (192.168.1.11): mismatched end tag </pubsub2>') },
    ]);
  });

  it('closes on an oversized stanza, naming the limit, and on garbage', () => {
    const session = open({ maxStanzaBytes: 512 });
    const [close] = feed(session, `<iq type="set">${'x'.repeat(600)}</iq>`).slice(-1);
    expect(close).toEqual({ type: 'close', reason: expect.stringContaining('exceeds the maximum stanza size of 512 bytes') });
    const garbage = open();
    expect(feed(garbage, 'GET / HTTP/1.1\r\n').at(-1)).toEqual({ type: 'close', reason: expect.stringContaining("unexpected byte 0x47 ('G') between stanzas") });
  });

  it('stops at the first close in a read and ignores the rest', () => {
    const session = open();
    const subscribe = encodeVrfSubscribe({ from: 'worker-3', vrf: VRF, instanceId: 3 });
    const actions = feed(session, `${subscribe}${subscribe}${encodeVrfSubscribe({ from: 'worker-3', vrf: 'other', instanceId: 4 })}`);
    expect(actions.map((action) => action.type)).toEqual(['request', 'send', 'close']);
  });

  it('closes from our side with the stream end tag, once', () => {
    const session = open();
    expect(session.close('replaced by a new session')).toEqual([
      { type: 'send', data: STREAM_CLOSE },
      { type: 'close', reason: 'replaced by a new session' },
    ]);
    expect(session.close('again')).toEqual([]);
    expect(session.nextDeadline()).toBe(Infinity);
  });
});

describe('admission: one session per agent name (§1.1)', () => {
  function registry(entries: Record<string, { remoteAddress: string; session: string }>): SessionRegistry<string> {
    return { lookup: (name) => entries[name] };
  }

  it('accepts a new name, replaces a session from the same address, rejects one from another', () => {
    const live = registry({ 'worker-3': { remoteAddress: '::ffff:192.168.1.11', session: 'old' } });
    expect(decideAdmission(live, { name: 'worker-4', remoteAddress: '192.168.1.12' })).toEqual({ verdict: 'accept' });
    expect(decideAdmission(live, { name: 'worker-3', remoteAddress: '192.168.1.11' })).toEqual({
      verdict: 'replace',
      previous: 'old',
      reason: 'agent worker-3 opened a new session from 192.168.1.11',
    });
    expect(decideAdmission(live, { name: 'worker-3', remoteAddress: '192.168.1.99' })).toEqual({
      verdict: 'reject',
      reason: 'agent worker-3 is connected from ::ffff:192.168.1.11; refusing a second session from 192.168.1.99',
    });
    expect(decideAdmission(live, { name: 'worker-3', remoteAddress: '192.168.1.11' }, { replaceFromSameAddress: false }).verdict).toBe('reject');
  });

  it('plugs into the session: a rejected agent gets no header reply', () => {
    const live = registry({ 'worker-3': { remoteAddress: '192.168.1.11', session: 'old' } });
    const session = new XmppServerSession({ remoteAddress: '10.9.9.9', now: T0, admit: (agent) => decideAdmission(live, agent) });
    expect(feed(session, encodeAgentStreamHeader('worker-3'))).toEqual([
      { type: 'close', reason: 'agent worker-3 is connected from 192.168.1.11; refusing a second session from 10.9.9.9' },
    ]);
    const replacing = new XmppServerSession({ remoteAddress: '192.168.1.11', now: T0, admit: (agent) => decideAdmission(live, agent) });
    expect(feed(replacing, encodeAgentStreamHeader('worker-3')).map((action) => action.type)).toEqual(['send', 'established']);
  });
});
