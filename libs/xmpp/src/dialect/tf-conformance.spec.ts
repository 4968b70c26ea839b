import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  decodePublishItems,
  decodeStanzaText,
  encodeRouteItemsMessage,
  encodeRoutePublish,
  parseXml,
  PublishPairer,
  unicastEntryForPaths,
  type CollectionStanza,
  type PublishStanza,
  type RouteEntry,
  type RouteFamily,
  type XmlElement,
} from '#libs/xmpp';
import { readOwnFixture, stanzaTexts, TF_BGP_TESTDATA, TF_SCHEMA, tfConformanceMissing, tfFiles } from '../../test/fixture-files.js';

// Tungsten Fabric's own fixtures and schemas, read in place from ../shared/conformance (see its README).

const missing = tfConformanceMissing();
const VRF = 'default-domain:admin:vn1:vn1';
const FAMILY_OF_FILE: Record<string, RouteFamily> = { inet: 'inet', inet6: 'inet6', enet: 'evpn', mcast: 'ermvpn' };

function tfText(name: string): string {
  return readFileSync(path.join(TF_BGP_TESTDATA, name), 'utf8');
}

/**
 * The element a bad_* fixture marks with `<!-- XXXXXXXXXXXXXXX -->`, and the element around it: the element closed
 * or opened on the marked line, or (the comment alone on its line) the element the comment is in.
 */
function markedElement(text: string): { name: string; parent: string } {
  const marker = text.indexOf('<!-- XXXXXXXXXXXXXXX -->');
  const lineStart = text.lastIndexOf('\n', marker) + 1;
  const line = text.slice(lineStart, marker);
  const stack: string[] = [];
  const tags = /<(\/?)([\w:-]+)[^>]*?(\/?)>/g;
  for (const match of text.slice(0, lineStart).matchAll(tags)) {
    if (match[1] === '/') stack.pop();
    else if (match[3] !== '/') stack.push(match[2]!);
  }
  const onLine = /^\s*<([\w-]+)>/.exec(line);
  if (onLine !== null) return { name: onLine[1]!, parent: stack[stack.length - 1]! };
  return { name: stack[stack.length - 1]!, parent: stack[stack.length - 2]! };
}

/** A correct item of the family, to publish beside the bad one. */
function goodItem(family: RouteFamily): XmlElement {
  if (family === 'ermvpn') {
    return parseXml(`<item><entry><nlri><af>1</af><safi>241</safi><group>255.255.255.255</group><source>0.0.0.0</source></nlri>
      <next-hops><next-hop><af>1</af><address>192.168.1.1</address><label>10000-20000</label>
      <tunnel-encapsulation-list><tunnel-encapsulation>gre</tunnel-encapsulation></tunnel-encapsulation-list></next-hop></next-hops></entry></item>`);
  }
  const file = family === 'inet' ? 'publish-inet.xml' : family === 'inet6' ? 'publish-inet6.xml' : 'publish-enet.xml';
  const publish = decodeStanzaText(stanzaTexts(readOwnFixture(file))[0]!) as PublishStanza;
  return publish.items[0]!;
}

if (missing !== undefined) {
  process.stderr.write(`TF conformance tests skipped: ${missing}\n`);
  describe.skip(`Tungsten Fabric conformance data (skipped: ${missing})`, () => {
    it('needs ../shared/conformance', () => undefined);
  });
} else {
  describe('TF bad_*_item_N.xml: each rejected with a reason naming the marked field', () => {
    const files = tfFiles(/^bad_(inet|inet6|enet|mcast)_item_\d+\.xml$/);

    it('finds the fixtures', () => {
      expect(files.length).toBeGreaterThanOrEqual(39);
    });

    it.each(files)('%s', (file) => {
      const text = tfText(file);
      const family = FAMILY_OF_FILE[/^bad_([a-z0-9]+)_item/.exec(file)![1]!]!;
      const { name, parent } = markedElement(text);
      const bad = parseXml(text);
      // The bad item between two good ones: it alone is dropped, the others are kept.
      const { routes, rejected } = decodePublishItems([goodItem(family), bad, goodItem(family)], family, VRF, 'associate');
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.index).toBe(1);
      expect(rejected[0]!.field.endsWith(`${parent}/${name}`)).toBe(true);
      expect(rejected[0]!.reason).toContain(`${parent}/${name}`);
      expect(routes).toHaveLength(2);
    });
  });

  describe('TF pubsub_*.xml: every file parsed', () => {
    const files = tfFiles(/^pubsub_.*\.xml$/);

    it('finds the fixtures', () => {
      expect(files.length).toBeGreaterThanOrEqual(8);
    });

    it.each(files)('%s', (file) => {
      const stanzas = stanzaTexts(tfText(file)).map((text) => decodeStanzaText(text));
      expect(stanzas.length).toBeGreaterThan(0);
      for (const stanza of stanzas) expect(stanza.from).toBe('agent@vnsw.contrailsystems.com');
    });

    it('reads the subscribes with their instance-ids (options beside subscribe, as in the TF mock)', () => {
      const subscriptions = tfFiles(/^pubsub_(sub|usub)\d?\.xml$/).map((file) => decodeStanzaText(tfText(file)));
      expect(subscriptions.map((stanza) => stanza.kind === 'vrf-subscribe' || stanza.kind === 'vrf-unsubscribe' ? [stanza.kind, stanza.vrf, stanza.instanceId] : stanza.kind)).toEqual([
        ['vrf-subscribe', 'blue', 1],
        ['vrf-subscribe', 'red', 2],
        ['vrf-subscribe', 'default-domain:default-project:ip-fabric:__default__', 3],
        ['vrf-unsubscribe', 'blue', undefined],
        ['vrf-unsubscribe', 'red', undefined],
        ['vrf-unsubscribe', 'default-domain:default-project:ip-fabric:__default__', undefined],
      ]);
    });

    it.each([
      ['pubsub_pub.xml', { kind: 'publish', vrf: 'blue', family: 'inet' }],
      ['pubsub_dis.xml', { kind: 'withdraw', vrf: 'blue', family: 'inet', prefixes: ['10.1.2.1/32'], rejected: [] }],
    ])('pairs the legacy publish + collection of %s', (file, expected) => {
      const [publish, collection] = stanzaTexts(tfText(file)).map((text) => decodeStanzaText(text));
      const pairer = new PublishPairer();
      pairer.publish(publish as PublishStanza);
      const outcome = pairer.collection(collection as CollectionStanza);
      expect(outcome).toMatchObject(expected);
      if (outcome.kind === 'publish') {
        expect(outcome.rejected).toEqual([]);
        expect(outcome.routes.map((route) => [route.prefix, route.nextHop, route.label, route.encapsulations, route.securityGroups])).toEqual([
          ['10.1.2.1/32', '20.1.2.1', 10000, ['gre'], [1, 2]],
        ]);
      }
    });
  });

  describe('our encoders follow the element order of the xmpp_*.xsd schemas', () => {
    interface XsdType {
      elements: { name: string; type: string; many: boolean }[];
      attributes: string[];
    }

    /** complexType name → its elements in order (whether directly inside, or in xsd:all / xsd:sequence). */
    function readXsd(file: string): Map<string, XsdType> {
      const schema = parseXml(readFileSync(path.join(TF_SCHEMA, file), 'utf8'));
      const types = new Map<string, XsdType>();
      for (const type of schema.children.filter((child) => child.name === 'xsd:complexType')) {
        const holders = [type, ...type.children.filter((child) => child.name === 'xsd:all' || child.name === 'xsd:sequence')];
        types.set(type.attributes['name']!, {
          elements: holders.flatMap((holder) =>
            holder.children
              .filter((child) => child.name === 'xsd:element')
              .map((child) => ({ name: child.attributes['name']!, type: child.attributes['type']!, many: child.attributes['maxOccurs'] === 'unbounded' })),
          ),
          attributes: type.children.filter((child) => child.name === 'xsd:attribute').map((child) => child.attributes['name']!),
        });
      }
      return types;
    }

    /**
     * Checks `element` against the complexType `typeName`, recursively: only declared children, in declaration
     * order (repeats only where unbounded), only declared attributes; returns the declared children left out.
     */
    function checkOrder(element: XmlElement, typeName: string, types: Map<string, XsdType>, where: string): string[] {
      const type = types.get(typeName);
      if (type === undefined) return [];
      const omitted: string[] = [];
      let last = -1;
      for (const child of element.children) {
        const index = type.elements.findIndex((declared) => declared.name === child.name);
        expect({ where: `${where}/${child.name}`, declared: index >= 0 }).toEqual({ where: `${where}/${child.name}`, declared: true });
        const repeat = index === last && type.elements[index]!.many;
        expect({ where: `${where}/${child.name}`, inOrder: index > last || repeat }).toEqual({ where: `${where}/${child.name}`, inOrder: true });
        last = index;
        omitted.push(...checkOrder(child, type.elements[index]!.type, types, `${where}/${child.name}`));
      }
      for (const declared of type.elements) {
        if (!declared.many && !element.children.some((child) => child.name === declared.name)) omitted.push(`${where}/${declared.name}`);
      }
      for (const name of Object.keys(element.attributes)) expect({ where: `${where}@${name}`, declared: type.attributes.includes(name) }).toEqual({ where: `${where}@${name}`, declared: true });
      return omitted;
    }

    /** Every list has an item, every optional part is present. */
    const fullInet: RouteEntry = {
      family: 'inet',
      entry: {
        ...unicastEntryForPaths('10.1.1.3/32', [{ nextHop: '192.168.1.11', label: 25, encapsulations: ['gre'], securityGroups: [1], sequence: 2, localPreference: 200, tags: [7] }], VRF),
        communityTags: ['64512:1'],
        loadBalance: { fields: ['l4-protocol'], decision: 'field-hash' },
      },
    };

    function entryOf(stanza: string): XmlElement {
      const find = (element: XmlElement): XmlElement | undefined => (element.name === 'entry' ? element : element.children.map(find).find((found) => found !== undefined));
      return find(parseXml(stanza))!;
    }

    const unicast = readXsd('xmpp_unicast.xsd');
    const enet = readXsd('xmpp_enet.xsd');
    const mcast = readXsd('xmpp_multicast.xsd');

    it('inet: what the agent publishes has every EntryType member, in order', () => {
      const [publish] = encodeRoutePublish({ from: 'a', vrf: VRF, route: fullInet, op: 'associate' });
      expect(checkOrder(entryOf(publish), 'EntryType', unicast, 'entry')).toEqual([]);
    });

    it('inet: what the control node pushes is in order, leaving out only next-hop/local-sequence-number (§3.2 "n/a")', () => {
      const message = encodeRouteItemsMessage('a', 'inet', VRF, [{ id: '10.1.1.3/32', route: fullInet }]);
      expect(checkOrder(entryOf(message), 'EntryType', unicast, 'entry')).toEqual(['entry/next-hops/next-hop/local-sequence-number']);
    });

    it('EVPN: EnetEntryType members in order, olists included', () => {
      const decoded = decodeStanzaText(stanzaTexts(readOwnFixture('publish-enet.xml'))[0]!) as PublishStanza;
      const route = decodePublishItems(decoded.items, 'evpn', VRF, 'associate').routes[0]!;
      if (route.family !== 'evpn') throw new Error('expected an EVPN route');
      const nextHop = route.entry.nextHops[0]!;
      const full: RouteEntry = { family: 'evpn', entry: { ...route.entry, olist: [nextHop], leafOlist: [nextHop] } };
      const [publish] = encodeRoutePublish({ from: 'a', vrf: VRF, route: full, op: 'associate' });
      expect(checkOrder(entryOf(publish), 'EnetEntryType', enet, 'entry')).toEqual([]);
      const message = encodeRouteItemsMessage('a', 'evpn', VRF, [{ id: 'x', route: full }]);
      expect(checkOrder(entryOf(message), 'EnetEntryType', enet, 'entry')).toEqual([
        'entry/next-hops/next-hop/local-sequence-number',
        'entry/olist/next-hop/local-sequence-number',
        'entry/leaf-olist/next-hop/local-sequence-number',
      ]);
    });

    it('multicast: McastEntryType members in order', () => {
      const route = decodePublishItems([goodItem('ermvpn')], 'ermvpn', VRF, 'associate').routes[0]!;
      if (route.family !== 'ermvpn') throw new Error('expected a multicast route');
      const full: RouteEntry = { family: 'ermvpn', entry: { ...route.entry, olist: route.entry.nextHops } };
      const [publish] = encodeRoutePublish({ from: 'a', vrf: VRF, route: full, op: 'associate' });
      expect(checkOrder(entryOf(publish), 'McastEntryType', mcast, 'entry')).toEqual([]);
    });

    it('the schema reader sees the sequences it compares against', () => {
      expect(unicast.get('EntryType')!.elements.map((element) => element.name)).toEqual([
        'nlri',
        'next-hops',
        'version',
        'virtual-network',
        'mobility',
        'sequence-number',
        'security-group-list',
        'community-tag-list',
        'local-preference',
        'med',
        'load-balance',
        'sub-protocol',
      ]);
      expect(enet.get('EnetAddressType')!.elements.map((element) => element.name)).toEqual(['af', 'safi', 'ethernet-tag', 'mac', 'address', 'group', 'source', 'flags']);
      expect(mcast.get('McastNextHopType')!.elements.map((element) => element.name)).toEqual(['af', 'address', 'label', 'tunnel-encapsulation-list']);
    });
  });

  it('bad_ipaddress.xml (a BGP config fixture, not a stanza) parses as XML', () => {
    expect(parseXml(tfText('bad_ipaddress.xml')).name).toBe('config');
  });
}
