// The XMPP bridge over real TCP: one connection per input, carrying random bytes, or a stream header and libs/xmpp's
// own agent stanzas (xmpp-dialect.md §1–§6) mutated at the byte level or in their XML (attributes repeated or huge,
// deep nesting, entities, CDATA, DOCTYPE, a stream end in the middle, keepalives, invalid UTF-8), cut into random
// reads.
//
// Oracle: the controller stays up and logs no "xmpp session failed" (its catch-all for a bug while serving bytes);
// the connection is closed by the server or stays open, either is fine.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { encodeAgentStreamHeader } from '#libs/xmpp';
import { SeededRandom } from '../support/seeded-random.js';
import { FIXTURE_AGENT, FIXTURE_VRF } from './config-examples.js';
import type { FuzzContext, FuzzTarget } from './fuzz-target.js';
import type { Outcome } from './fuzz-report.js';
import { xmppFixturesDir } from './repo-paths.js';

const AGENT_FIXTURES = [
  'vrf-subscribe.xml',
  'publish-inet.xml',
  'publish-inet6.xml',
  'publish-enet.xml',
  'withdraw-inet.xml',
  'config-subscribe-vr.xml',
  'config-subscribe-vm.xml',
  'config-unsubscribe-vm.xml',
  'agent-end-of-rib-iqs.xml',
  'agent-end-of-rib-message.xml',
  'vrf-unsubscribe.xml',
];
/** How long the fuzzer waits after its last byte for the server to close. */
const SETTLE_MS = 150;
const KEEPALIVE = Buffer.from([0xc8, 0x80]);

export class XmppTarget implements FuzzTarget {
  readonly name = 'xmpp';
  private readonly stanzas: string[];
  private readonly host: string;
  private readonly port: number;

  constructor(ctx: FuzzContext) {
    this.stanzas = AGENT_FIXTURES.map((file) => readFileSync(join(xmppFixturesDir(), file), 'utf8').replace(/\n$/, ''));
    const at = ctx.controller.xmpp.lastIndexOf(':');
    this.host = ctx.controller.xmpp.slice(0, at);
    this.port = Number(ctx.controller.xmpp.slice(at + 1));
  }

  async run(inputSeed: number): Promise<Outcome> {
    const rng = new SeededRandom(inputSeed);
    const { bytes, notes } = this.stream(rng);
    const shown = `{${notes.join('; ')}} ${bytes.toString('latin1').slice(0, 800).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}${bytes.length > 800 ? `…(${bytes.length} bytes)` : ''}`;
    const status = await this.send(rng, bytes);
    return { status, input: shown };
  }

  close(): void {}

  private stream(rng: SeededRandom): { bytes: Buffer; notes: string[] } {
    const agent = rng.chance(0.8) ? rng.pick([FIXTURE_AGENT, 'fuzz-xmpp-1', 'fuzz-xmpp-2']) : rng.pick(['', 'a'.repeat(300), 'bad name', 'a"b', 'é', '<x>']);
    const header = rng.chance(0.9) ? encodeAgentStreamHeader(agent) : encodeAgentStreamHeader(agent).replace(/version="1.0"/, rng.pick(['', 'version="9"']));
    if (rng.chance(0.2)) {
      const random = rng.bytes(rng.pick([1, 16, 256, 4096]));
      return rng.chance(0.5) ? { bytes: random, notes: ['random bytes'] } : { bytes: Buffer.concat([Buffer.from(header), random]), notes: ['header, then random bytes'] };
    }
    const chosen = Array.from({ length: rng.between(1, 6) }, () => rng.pick(this.stanzas)).map((s) =>
      s.replace(/comp45|worker-3/g, agent).replace(/default-domain:admin:vn1:vn1/g, FIXTURE_VRF),
    );
    let text = [header, ...chosen].join('\n');
    const notes: string[] = [`agent ${JSON.stringify(agent)}`, `${chosen.length} stanzas`];
    if (rng.chance(0.5)) {
      const edited = xmlMutation(rng, text);
      text = edited.text;
      notes.push(edited.note);
    }
    let bytes: Buffer = Buffer.from(text, 'utf8');
    if (rng.chance(0.5)) {
      const edited = byteMutation(rng, bytes);
      bytes = edited.bytes;
      notes.push(edited.note);
    }
    return { bytes, notes };
  }

  /** Connects, writes `bytes` in random pieces, waits for a close or SETTLE_MS of quiet; says who ended it. */
  private send(rng: SeededRandom, bytes: Buffer): Promise<string> {
    return new Promise((resolve) => {
      const socket: Socket = connect({ host: this.host, port: this.port });
      let outcome: string | undefined;
      let quiet: NodeJS.Timeout | undefined;
      const finish = (status: string) => {
        if (outcome) return;
        outcome = status;
        clearTimeout(quiet);
        socket.destroy();
        resolve(status);
      };
      socket.on('data', () => undefined);
      socket.on('end', () => finish('closed-by-server'));
      socket.on('close', () => finish('closed-by-server'));
      socket.on('error', (error) => finish(`socket-error:${(error as NodeJS.ErrnoException).code ?? error.message}`));
      socket.once('connect', async () => {
        for (let at = 0; at < bytes.length && !outcome; ) {
          const size = rng.chance(0.3) ? 1 + rng.int(8) : 1 + rng.int(4096);
          socket.write(bytes.subarray(at, at + size));
          at += size;
          if (rng.chance(0.2)) await new Promise((r) => setTimeout(r, 1));
        }
        quiet = setTimeout(() => finish('open'), SETTLE_MS);
      });
    });
  }
}

function xmlMutation(rng: SeededRandom, text: string): { text: string; note: string } {
  const tags = [...text.matchAll(/<([a-z][\w:-]*)(\s[^>]*)?>/g)];
  const tag = tags.length > 0 ? rng.pick(tags) : undefined;
  const at = tag?.index ?? rng.int(text.length);
  const insert = (piece: string) => text.slice(0, at) + piece + text.slice(at);
  switch (rng.int(12)) {
    case 0:
      return tag && tag[2] ? { text: text.replace(tag[0], tag[0].replace(tag[2], `${tag[2]}${tag[2]}`)), note: `attributes of <${tag[1]}> repeated` } : { text, note: 'no attribute to repeat' };
    case 1:
      return tag ? { text: text.replace(tag[0], `<${tag[1]} big="${'x'.repeat(rng.pick([1000, 100_000, 2_000_000]))}"${tag[0].slice(tag[1]!.length + 1)}`), note: `huge attribute on <${tag[1]}>` } : { text, note: 'no tag' };
    case 2: {
      const depth = rng.pick([100, 1000, 50_000]);
      return { text: insert(`${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`), note: `nesting ${depth} deep` };
    }
    case 3:
      return { text: insert(rng.pick(['&lt;&gt;&amp;&quot;&apos;', '&#0;', '&#xD800;', '&#x110000;', '&#65;', '&unknown;', '&', '&#;', '&#x;'])), note: 'entity references' };
    case 4:
      return { text: insert('<![CDATA[<iq>]]>'), note: 'CDATA' };
    case 5:
      return { text: insert(rng.pick(['<!-- c -->', '<!-->', '<?xml version="1.0"?>', '<?pi x?>'])), note: 'comment or processing instruction' };
    case 6:
      return { text: insert('<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'), note: 'DOCTYPE with entities' };
    case 7:
      return { text: insert('</stream:stream>'), note: 'stream end in the middle' };
    case 8:
      return { text: insert(KEEPALIVE.toString('latin1')), note: 'keepalive bytes inside a stanza' };
    case 9:
      return { text: text.replace(/<\/[a-z-]+>/, ''), note: 'an end tag removed' };
    case 10:
      return { text: text.replace(/>/, ' >').replace(/="/, "='").replace(/"\s/, "' "), note: 'quotes mixed' };
    default:
      return text.length < 100_000 ? { text: text.repeat(rng.pick([2, 20])), note: 'the whole stream repeated' } : { text, note: 'too long to repeat' };
  }
}

function byteMutation(rng: SeededRandom, bytes: Buffer): { bytes: Buffer; note: string } {
  const copy = Buffer.from(bytes);
  const specials = [0x3c, 0x3e, 0x2f, 0x22, 0x27, 0x26, 0x21, 0x3f, 0x2d, 0xc8, 0x80, 0xff, 0x00, 0xc3, 0xe2];
  const edits = rng.between(1, 8);
  for (let i = 0; i < edits && copy.length > 0; i++) copy[rng.int(copy.length)] = rng.chance(0.6) ? rng.pick(specials) : rng.int(256);
  if (rng.chance(0.2)) {
    const cut = rng.int(copy.length + 1);
    return { bytes: copy.subarray(0, cut), note: `${edits} bytes changed, cut at ${cut}` };
  }
  return { bytes: copy, note: `${edits} bytes changed` };
}
