import { describe, expect, it } from '@jest/globals';
import { XmppFramingError } from '../errors.js';
import { XmppFramer, type Frame } from './framer.js';

const HEADER = `<stream:stream from="worker-3" to="network-control@contrailsystems.com" version="1.0" xml:lang="en" xmlns="" xmlns:stream="http://etherx.jabber.org/streams"  >`;
const IQ = `<iq type="set" from="a" to="b/bgp-peer"><pubsub xmlns="p"><subscribe node="v"/></pubsub></iq>`;
const MESSAGE = `<message from="c" to="a/bgp-peer">\n\t<event xmlns="p">\n<items node="0/0/EndOfRib"></items>\n\t</event>\n</message>`;

function pushAll(framer: XmppFramer, chunks: readonly Uint8Array[]): Frame[] {
  return chunks.flatMap((chunk) => framer.push(chunk));
}

function bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

describe('XmppFramer', () => {
  it('cuts the header (left open), stanzas and the stream end from one read', () => {
    const frames = new XmppFramer().push(bytes(`${HEADER}${IQ}\n${MESSAGE}</stream:stream>`));
    expect(frames).toEqual([
      { kind: 'stream-open', xml: HEADER },
      { kind: 'stanza', name: 'iq', xml: IQ },
      { kind: 'stanza', name: 'message', xml: MESSAGE },
      { kind: 'stream-close' },
    ]);
  });

  it('skips a leading <?xml …?>, whitespace and keepalive bytes 0xC8 0x80 between stanzas', () => {
    const stream = Buffer.concat([
      bytes(`<?xml version="1.0"?>\n${HEADER}`),
      Buffer.from([0xc8, 0x80, 0x20, 0x0a, 0x0d, 0x09, 0xc8, 0x80]),
      bytes(`<?xml version="1.0"?>\n${IQ}`),
      Buffer.from([0xc8, 0x80]),
      bytes(`<!-- between -->${MESSAGE}`),
    ]);
    const frames = new XmppFramer().push(stream);
    expect(frames.map((frame) => frame.kind)).toEqual(['stream-open', 'stanza', 'stanza']);
    expect(frames[1]).toEqual({ kind: 'stanza', name: 'iq', xml: IQ });
  });

  it('gives the same frames however the stream is split, down to one byte per read', () => {
    const stream = bytes(`${HEADER}${IQ}  ${MESSAGE}<iq type="set" a='x>y' b="é€😀"><!-- <iq> --><![CDATA[</iq>]]></iq>`);
    const whole = new XmppFramer().push(stream);
    expect(whole).toHaveLength(4);
    const byByte = pushAll(new XmppFramer(), [...stream].map((byte) => Uint8Array.of(byte)));
    expect(byByte).toEqual(whole);
    for (const size of [2, 3, 7, 64]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
      expect(pushAll(new XmppFramer(), chunks)).toEqual(whole);
    }
  });

  it('returns nothing for a partial stanza and keeps it buffered', () => {
    const framer = new XmppFramer();
    expect(framer.push(bytes(IQ.slice(0, 30)))).toEqual([]);
    expect(framer.bufferedBytes).toBe(30);
    expect(framer.push(bytes(IQ.slice(30)))).toEqual([{ kind: 'stanza', name: 'iq', xml: IQ }]);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('accepts a self-closing top-level element and nested elements of the same name', () => {
    const frames = new XmppFramer().push(bytes('<presence/><iq><iq>x</iq></iq>'));
    expect(frames).toEqual([
      { kind: 'stanza', name: 'presence', xml: '<presence/>' },
      { kind: 'stanza', name: 'iq', xml: '<iq><iq>x</iq></iq>' },
    ]);
  });

  it('refuses a stanza over the maximum size, naming the limit, whether complete or not', () => {
    const big = `<iq>${'x'.repeat(2000)}</iq>`;
    expect(() => new XmppFramer({ maxStanzaBytes: 1000 }).push(bytes(big))).toThrow(/exceeds the maximum stanza size of 1000 bytes/);
    const framer = new XmppFramer({ maxStanzaBytes: 1000 });
    framer.push(bytes('<iq>'));
    let error: unknown;
    try {
      for (let i = 0; i < 100; i++) framer.push(bytes('y'.repeat(20)));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(XmppFramingError);
    expect((error as XmppFramingError).code).toBe('oversized');
    expect(() => framer.push(bytes('</iq>'))).toThrow(error as Error);
  });

  it('does not count whitespace and keepalives between stanzas toward the limit', () => {
    const framer = new XmppFramer({ maxStanzaBytes: 100 });
    for (let i = 0; i < 200; i++) framer.push(Buffer.from([0xc8, 0x80, 0x20]));
    expect(framer.push(bytes(IQ.slice(0, 90)))).toEqual([]);
    expect(framer.bufferedBytes).toBe(90);
  });

  it.each([
    ['text between stanzas', 'hello<iq/>', /unexpected byte 0x68 \('h'\) between stanzas at stream byte 0/],
    ['a stray end tag', '<iq/></message>', /unexpected end tag <\/message> between stanzas/],
    ['< followed by space', '< iq/>', /'<' followed by byte 0x20/],
    ['a DOCTYPE', '<!DOCTYPE x>', /a DOCTYPE is not allowed/],
    ['< inside a tag', '<iq a="1" <b>', /'<' inside the tag/],
    ['a self-closed stream header', '<stream:stream/>', /closes the stream it opens/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => new XmppFramer().push(bytes(text))).toThrow(XmppFramingError);
    expect(() => new XmppFramer().push(bytes(text))).toThrow(message);
  });

  it('refuses invalid UTF-8 inside a stanza', () => {
    const stream = Buffer.concat([bytes('<iq>'), Buffer.from([0xff, 0xfe]), bytes('</iq>')]);
    expect(() => new XmppFramer().push(stream)).toThrow(/invalid UTF-8/);
  });

  it('stays failed after an error', () => {
    const framer = new XmppFramer();
    expect(() => framer.push(bytes('garbage'))).toThrow(XmppFramingError);
    expect(() => framer.push(bytes(IQ))).toThrow(/unexpected byte 0x67/);
  });

  it('counts stream offsets across reads in its errors', () => {
    const framer = new XmppFramer();
    framer.push(bytes(IQ));
    expect(() => framer.push(bytes('  x'))).toThrow(`stream byte ${IQ.length + 2}`);
  });

  it('handles a large stanza read in small pieces in linear time', () => {
    const body = '<item>x</item>'.repeat(40_000);
    const stanza = bytes(`<iq>${body}</iq>`);
    const framer = new XmppFramer({ maxStanzaBytes: 4 * 1024 * 1024 });
    const started = performance.now();
    const frames: Frame[] = [];
    for (let i = 0; i < stanza.length; i += 16) frames.push(...framer.push(stanza.subarray(i, i + 16)));
    expect(frames).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
