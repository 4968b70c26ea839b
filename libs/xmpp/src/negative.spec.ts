import { describe, expect, it } from '@jest/globals';
import {
  decodeStanzaText,
  encodeAgentStreamHeader,
  XmlSyntaxError,
  XmppCodecError,
  XmppError,
  XmppFramer,
  XmppFramingError,
  XmppServerSession,
  type SessionAction,
} from '#libs/xmpp';
import { readOwnFixture } from '../test/fixture-files.js';
import { mulberry32 as random } from '../../../test/support/seeded-random.js';

// Our own negative cases: malformed XML, unknown stanzas, oversized stanzas, stanzas split across many reads, and
// seeded random input, which may only ever produce this library's own errors (or session close / drop actions).

const AGENT_FIXTURES = [
  'vrf-subscribe.xml',
  'publish-inet.xml',
  'publish-inet6.xml',
  'publish-enet.xml',
  'withdraw-inet.xml',
  'config-subscribe-vr.xml',
  'agent-end-of-rib-iqs.xml',
  'agent-end-of-rib-message.xml',
  'vrf-unsubscribe.xml',
];

function agentStream(): Buffer {
  return Buffer.from([encodeAgentStreamHeader('comp45'), ...AGENT_FIXTURES.map(readOwnFixture)].join('\n'), 'utf8');
}

function chunks(bytes: Buffer, next: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const size = 1 + Math.floor(next() * 64);
    out.push(bytes.subarray(i, i + size));
    i += size;
  }
  return out;
}

function mutate(bytes: Buffer, next: () => number): Buffer {
  const copy = Buffer.from(bytes);
  const edits = 1 + Math.floor(next() * 6);
  const specials = [0x3c, 0x3e, 0x2f, 0x22, 0x27, 0x26, 0x21, 0x3f, 0x2d, 0xc8, 0x80, 0xff, 0x00];
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * copy.length);
    copy[at] = next() < 0.6 ? specials[Math.floor(next() * specials.length)]! : Math.floor(next() * 256);
  }
  return next() < 0.2 ? copy.subarray(0, Math.floor(next() * copy.length)) : copy;
}

function run(session: XmppServerSession, pieces: readonly Buffer[], now = 0): SessionAction[] {
  return pieces.flatMap((piece) => session.received(piece, now));
}

describe('negative cases', () => {
  it('malformed XML is an XmlSyntaxError saying what is wrong', () => {
    expect(() => decodeStanzaText('<iq type="set"><pubsub></iq>')).toThrow(XmlSyntaxError);
    expect(() => decodeStanzaText('<iq type="set"><pubsub></iq>')).toThrow(/mismatched end tag <\/iq>, expected <\/pubsub>/);
    expect(() => decodeStanzaText('<iq type=set/>')).toThrow(/must be quoted/);
  });

  it.each([
    ['<presence/>', /unknown stanza <presence>/],
    ['<iq type="set"/>', /neither <pubsub> nor <config>/],
    ['<iq type="set"><pubsub xmlns="http://jabber.org/protocol/pubsub"><retrieve node="x"/></pubsub></iq>', /unknown pubsub action <retrieve>/],
    ['<iq type="set" to="someone/else"><pubsub><subscribe node="v"/></pubsub></iq>', /names neither the bgp-peer nor the config channel/],
    ['<iq type="set" to="n/config"><pubsub><subscribe node="project:x"/></pubsub></iq>', /names neither virtual-router:<fq_name> nor virtual-machine:<uuid>/],
    ['<iq type="set" to="n/bgp-peer"><pubsub><subscribe/></pubsub></iq>', /subscribe@node: missing/],
    ['<message><event><items node="9/9/x"/></event></message>', /does not start with a known <afi>\/<safi>/],
    ['<message><body>hi</body></message>', /no <event><items>/],
  ])('an unknown or incomplete stanza is an XmppCodecError: %s', (text, message) => {
    expect(() => decodeStanzaText(text)).toThrow(XmppCodecError);
    expect(() => decodeStanzaText(text)).toThrow(message);
  });

  it('an oversized stanza is refused naming the size limit', () => {
    const framer = new XmppFramer({ maxStanzaBytes: 4096 });
    const publish = readOwnFixture('publish-inet.xml').split('\n<iq')[0]!;
    const item = publish.slice(publish.indexOf('<item>'), publish.indexOf('</item>') + 7);
    const stanza = Buffer.from(publish.replace(item, item.repeat(5)));
    expect(stanza.length).toBeGreaterThan(4096);
    expect(() => framer.push(stanza)).toThrow(XmppFramingError);
    expect(() => new XmppFramer({ maxStanzaBytes: 4096 }).push(stanza)).toThrow(/stanza of \d+ bytes or more exceeds the maximum stanza size of 4096 bytes/);
  });

  it('a stream split into one-byte reads gives the same actions as one read', () => {
    const stream = agentStream();
    const whole = run(new XmppServerSession({ remoteAddress: '10.0.0.1', now: 0 }), [stream]);
    expect(whole.filter((action) => action.type === 'request')).toHaveLength(9);
    expect(whole.filter((action) => action.type === 'rejected' || action.type === 'close')).toEqual([]);
    const byByte = run(
      new XmppServerSession({ remoteAddress: '10.0.0.1', now: 0 }),
      [...stream].map((byte) => Buffer.of(byte)),
    );
    expect(byByte).toEqual(whole);
  });

  it('seeded random bytes: the framer only ever throws its own error, and stops', () => {
    const next = random(6);
    let errors = 0;
    for (let round = 0; round < 500; round++) {
      const framer = new XmppFramer({ maxStanzaBytes: 2048 });
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(next() * 600) }, () => Math.floor(next() * 256)));
      try {
        for (const piece of chunks(bytes, next)) framer.push(piece);
      } catch (error) {
        expect(error).toBeInstanceOf(XmppFramingError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(400);
  });

  it('seeded mutations of a valid stream: the session never throws and ends in a known state', () => {
    const next = random(42);
    const stream = agentStream();
    const outcomes = new Map<string, number>();
    for (let round = 0; round < 1500; round++) {
      const session = new XmppServerSession({ remoteAddress: '10.0.0.1', now: 0, maxStanzaBytes: 8192 });
      const actions = run(session, chunks(mutate(stream, next), next));
      for (const action of actions) {
        if (action.type === 'close' || action.type === 'rejected') expect(typeof action.reason).toBe('string');
      }
      expect(actions.filter((action) => action.type === 'close').length).toBeLessThanOrEqual(1);
      outcomes.set(session.state, (outcomes.get(session.state) ?? 0) + 1);
    }
    expect(outcomes.get('closed')).toBeGreaterThan(0);
    expect(outcomes.get('open')).toBeGreaterThan(0);
  });

  it('seeded mutations of stanzas: decoding only ever throws XmppError', () => {
    const next = random(7);
    const stanzas = ['publish-inet.xml', 'publish-enet.xml', 'route-push-inet.xml', 'config-update.xml', 'vrf-subscribe.xml'].map((file) => Buffer.from(readOwnFixture(file)));
    let failures = 0;
    for (let round = 0; round < 2000; round++) {
      const text = mutate(stanzas[round % stanzas.length]!, next).toString('utf8');
      try {
        decodeStanzaText(text);
      } catch (error) {
        expect(error).toBeInstanceOf(XmppError);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
  });
});
