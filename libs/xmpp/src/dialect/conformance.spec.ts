import { describe, expect, it } from '@jest/globals';
import {
  decodeStanzaText,
  decodeStreamHeader,
  encodeAgentEndOfRibIqs,
  encodeAgentEndOfRibMessage,
  encodeAgentStreamHeader,
  encodeConfigMessage,
  encodeConfigSubscribe,
  encodeConfigUnsubscribe,
  encodeControlEndOfRib,
  encodeControlStreamHeader,
  encodeRouteItemsMessage,
  encodeRoutePublish,
  encodeRouteRetractMessage,
  encodeRouteUpdates,
  encodeVrfSubscribe,
  encodeVrfUnsubscribe,
  parseXml,
  PublishPairer,
  decodePublishItems,
  type CollectionStanza,
  type ConfigMessage,
  type PublishOutcome,
  type PublishStanza,
  type PushPath,
  type RouteUpdateMessage,
  type Stanza,
} from '#libs/xmpp';
import { readOwnFixture, shapeOf, stanzaTexts } from '../../test/fixture-files.js';

// Conformance with our fixtures, written from the shapes of xmpp-dialect.md §1–§6: each decodes to what the spec
// says it means, and encoding the decoded value gives the fixture back byte for byte (so what we send matches the
// documented layout element by element, and in whitespace too).

function decodePair(text: string): { publish: PublishStanza; collection: CollectionStanza; outcome: PublishOutcome } {
  const [publishText, collectionText] = stanzaTexts(text);
  const publish = decodeStanzaText(publishText!) as PublishStanza;
  const collection = decodeStanzaText(collectionText!) as CollectionStanza;
  expect(publish.kind).toBe('publish');
  expect(collection.kind).toBe('collection');
  const pairer = new PublishPairer();
  expect(pairer.publish(publish)).toBeUndefined();
  return { publish, collection, outcome: pairer.collection(collection) };
}

/** Element by element (each stanza of the text), then byte for byte. */
function expectSameDocument(actual: string, expected: string): void {
  const shapes = (text: string) => stanzaTexts(text).map((stanza) => shapeOf(parseXml(stanza)));
  expect(shapes(actual)).toEqual(shapes(expected));
  expect(actual).toBe(expected);
}

describe('stream headers (§1.2)', () => {
  it('decodes the agent header and encodes it byte for byte', () => {
    const fixture = readOwnFixture('agent-header.xml');
    expect(decodeStreamHeader(fixture)).toEqual({
      from: 'worker-3',
      to: 'network-control@contrailsystems.com',
      id: '',
      version: '1.0',
      lang: 'en',
      xmlns: '',
    });
    expect(encodeAgentStreamHeader('worker-3')).toBe(fixture);
  });

  it("encodes the control node's reply byte for byte", () => {
    const fixture = readOwnFixture('control-header.xml');
    expect(encodeControlStreamHeader('worker-3')).toBe(fixture);
    expect(decodeStreamHeader(fixture)).toMatchObject({ from: 'network-control@contrailsystems.com', to: 'worker-3', id: '++123', xmlns: 'jabber:client' });
  });

  it('accepts any attribute order and single quotes, and refuses a header without the streams namespace', () => {
    expect(decodeStreamHeader(`<stream:stream xmlns:stream='http://etherx.jabber.org/streams' from='a'>`).from).toBe('a');
    expect(() => decodeStreamHeader('<stream:stream from="a">')).toThrow(/xmlns:stream: expected http:\/\/etherx.jabber.org\/streams/);
  });
});

describe('routing-instance subscription (§2)', () => {
  it.each([
    ['vrf-subscribe.xml', 'vrf-subscribe', encodeVrfSubscribe, 'subscribe0'],
    ['vrf-unsubscribe.xml', 'vrf-unsubscribe', encodeVrfUnsubscribe, 'unsubscribe3'],
  ] as const)('%s decodes and encodes back', (file, kind, encode, id) => {
    const fixture = readOwnFixture(file);
    const decoded = decodeStanzaText(fixture);
    expect(decoded).toEqual({
      kind,
      from: 'comp45',
      to: 'network-control@contrailsystems.com/bgp-peer',
      id,
      vrf: 'default-domain:admin:vn1:vn1',
      instanceId: 3,
      noRibOut: false,
    });
    expectSameDocument(encode({ from: 'comp45', vrf: 'default-domain:admin:vn1:vn1', instanceId: 3, id }), fixture);
  });

  it('round-trips no-ribout and a subscribe without instance-id', () => {
    const withNoRibOut = decodeStanzaText(encodeVrfSubscribe({ from: 'a', vrf: 'v', instanceId: 0, noRibOut: true }));
    expect(withNoRibOut).toMatchObject({ instanceId: 0, noRibOut: true });
    expect(decodeStanzaText(encodeVrfSubscribe({ from: 'a', vrf: 'v' }))).toMatchObject({ instanceId: undefined, noRibOut: false });
  });
});

describe('route publish: publish + collection pairs (§3)', () => {
  it('inet: decodes every field the control plane needs and encodes the pair back', () => {
    const fixture = readOwnFixture('publish-inet.xml');
    const { outcome } = decodePair(fixture);
    expect(outcome.kind).toBe('publish');
    if (outcome.kind !== 'publish') return;
    expect(outcome.vrf).toBe('default-domain:admin:vn1:vn1');
    expect(outcome.family).toBe('inet');
    expect(outcome.rejected).toEqual([]);
    const [route] = outcome.routes;
    expect(route).toMatchObject({
      family: 'inet',
      prefix: '10.1.1.3/32',
      nextHop: '192.168.1.11',
      label: 25,
      encapsulations: ['gre', 'udp'],
      securityGroups: [8000002],
      sequence: 0,
      localPreference: 200,
      virtualNetwork: 'default-domain:admin:vn1',
      tags: [65543],
    });
    const [publish, collection] = encodeRoutePublish({ from: 'comp45', vrf: outcome.vrf, route: route!.entry, op: 'associate', sequence: 7 });
    expectSameDocument(`${publish}\n${collection}`, fixture);
  });

  it('inet6: the v6 prefix with the IPv4 next-hop, mobility, community tags and load balancing', () => {
    const fixture = readOwnFixture('publish-inet6.xml');
    const { outcome } = decodePair(fixture);
    if (outcome.kind !== 'publish') throw new Error(`expected a publish, got ${outcome.kind}`);
    const [route] = outcome.routes;
    expect(route).toMatchObject({ family: 'inet6', prefix: 'fd00:1::3/128', nextHop: '192.168.1.11', label: 26, sequence: 4, localPreference: 100 });
    expect(route!.entry.family === 'inet6' && route!.entry.entry).toMatchObject({
      mobility: { seqno: 4, sticky: true },
      communityTags: ['64512:100', 'no-export'],
      loadBalance: { fields: ['l3-source-address', 'l4-protocol'], decision: 'source-bias' },
      subProtocol: 'interface-static',
    });
    const [publish, collection] = encodeRoutePublish({ from: 'comp45', vrf: outcome.vrf, route: route!.entry, op: 'associate', sequence: 8 });
    expectSameDocument(`${publish}\n${collection}`, fixture);
  });

  it('EVPN: the publish node has no VRF, the collection names it; the id is mac,ip/plen', () => {
    const fixture = readOwnFixture('publish-enet.xml');
    const { outcome } = decodePair(fixture);
    if (outcome.kind !== 'publish') throw new Error(`expected a publish, got ${outcome.kind}`);
    expect(outcome).toMatchObject({ vrf: 'default-domain:admin:vn1:vn1', family: 'evpn' });
    const [route] = outcome.routes;
    expect(route).toMatchObject({ prefix: '02:11:22:33:44:55,10.1.1.3/32', nextHop: '192.168.1.11', label: 27, sequence: 1, securityGroups: [8000002] });
    const [publish, collection] = encodeRoutePublish({ from: 'comp45', vrf: outcome.vrf, route: route!.entry, op: 'associate', sequence: 9 });
    expectSameDocument(`${publish}\n${collection}`, fixture);
  });

  it('withdraw: the same publish with a dissociate; only the nlri is read', () => {
    const fixture = readOwnFixture('withdraw-inet.xml');
    const { publish, outcome } = decodePair(fixture);
    expect(outcome).toEqual({ kind: 'withdraw', vrf: 'default-domain:admin:vn1:vn1', family: 'inet', prefixes: ['10.1.1.3/32'], rejected: [] });
    const { routes } = decodePublishItems(publish.items, 'inet', 'default-domain:admin:vn1:vn1', 'associate');
    const [publishText, collection] = encodeRoutePublish({ from: 'comp45', vrf: 'default-domain:admin:vn1:vn1', route: routes[0]!, op: 'dissociate', sequence: 10 });
    expectSameDocument(`${publishText}\n${collection}`, fixture);
  });

  it("agent end-of-RIB: both the control node's form (empty publish + collection) and the <message> form", () => {
    const iqs = readOwnFixture('agent-end-of-rib-iqs.xml');
    expect(decodePair(iqs).outcome).toEqual({ kind: 'end-of-rib' });
    expectSameDocument(encodeAgentEndOfRibIqs('comp45', 11).join('\n'), iqs);
    const message = readOwnFixture('agent-end-of-rib-message.xml');
    expect(decodeStanzaText(message)).toEqual({ kind: 'end-of-rib', from: 'comp45', to: 'network-control@contrailsystems.com/bgp-peer', id: '' });
    expectSameDocument(encodeAgentEndOfRibMessage('comp45'), message);
  });
});

describe('route push: control node → agent (§4)', () => {
  const vrf = 'default-domain:default:ext-vn2:ext-vn2';

  it('decodes the message with all fields (ECMP next-hops, tags, SGs, communities) and encodes it back', () => {
    const fixture = readOwnFixture('route-push-inet.xml');
    const message = decodeStanzaText(fixture) as RouteUpdateMessage;
    expect(message).toMatchObject({ kind: 'route-update', to: 'worker-3/bgp-peer', family: 'inet', vrf, retracts: [], rejected: [] });
    expect(message.items.map((item) => item.id)).toEqual(['2.0.0.2/32', '2.0.0.3/32']);
    const second = message.items[1]!.route;
    expect(second.family === 'inet' && second.entry.nextHops.map((nextHop) => [nextHop.address, nextHop.label, nextHop.encapsulations])).toEqual([
      ['10.1.1.3', 48, ['gre', 'udp']],
      ['10.1.1.4', 52, ['udp']],
    ]);
    expectSameDocument(encodeRouteItemsMessage('worker-3', 'inet', vrf, message.items), fixture);
  });

  it('builds the documented entry from the control plane’s best paths', () => {
    const paths: PushPath[] = [
      { nextHop: '10.1.1.3', label: 48, encapsulations: ['MPLSoGRE', 'MPLSoUDP'], securityGroups: [8000002, 8000005], sequence: 3, localPreference: 0, originVrf: vrf, agent: 'a' },
      { nextHop: '10.1.1.4', label: 52, encapsulations: ['MPLSoUDP'], securityGroups: [8000002, 8000005], sequence: 3, localPreference: 0, originVrf: vrf, agent: 'b' },
    ];
    const [message] = encodeRouteUpdates('worker-3', vrf, [{ prefix: '2.0.0.3/32', paths }]);
    const fixtureItems = parseXml(readOwnFixture('route-push-inet.xml')).children[0]!.children[0]!;
    const ours = parseXml(message!).children[0]!.children[0]!;
    expect(ours.attributes['node']).toBe(`1/1/${vrf}`);
    expect(ours.children.map(shapeOf)).toEqual([shapeOf(fixtureItems.children[1]!)]);
  });

  it('retracts: decoded and encoded back, also from updates without paths', () => {
    const fixture = readOwnFixture('route-retract-inet6.xml');
    const message = decodeStanzaText(fixture) as RouteUpdateMessage;
    expect(message).toMatchObject({ family: 'inet6', vrf, items: [], retracts: ['fd00::2/128', 'fd00::3/128'] });
    expectSameDocument(encodeRouteRetractMessage('worker-3', 'inet6', vrf, message.retracts), fixture);
    expect(encodeRouteUpdates('worker-3', vrf, [{ prefix: 'fd00::2/128', paths: [] }, { prefix: 'fd00::3/128', paths: [] }])).toEqual([fixture]);
  });

  it('EVPN items: decoded and encoded back', () => {
    const fixture = readOwnFixture('route-push-enet.xml');
    const message = decodeStanzaText(fixture) as RouteUpdateMessage;
    expect(message).toMatchObject({ family: 'evpn', vrf: 'default-domain:admin:vn1:vn1' });
    expect(message.items.map((item) => item.id)).toEqual(['02:11:22:33:44:55,10.1.1.3/32']);
    expectSameDocument(encodeRouteItemsMessage('worker-3', 'evpn', 'default-domain:admin:vn1:vn1', message.items), fixture);
  });

  it('end-of-RIB byte for byte', () => {
    const fixture = readOwnFixture('control-end-of-rib.xml');
    expect(encodeControlEndOfRib('worker-3')).toBe(fixture);
    expect(decodeStanzaText(fixture)).toEqual({ kind: 'end-of-rib', from: 'network-control@contrailsystems.com', to: 'worker-3/bgp-peer', id: '' });
  });
});

describe('config (§6)', () => {
  it.each([
    ['config-subscribe-vr.xml', 'worker-3', 'config-subscribe', { type: 'virtual-router', fqName: 'default-global-system-config:worker-3' }],
    ['config-subscribe-vm.xml', 'comp45', 'config-subscribe', { type: 'virtual-machine', uuid: '5075756e-ae49-4ced-88f8-46af16bfce3f' }],
    ['config-unsubscribe-vm.xml', 'comp45', 'config-unsubscribe', { type: 'virtual-machine', uuid: '5075756e-ae49-4ced-88f8-46af16bfce3f' }],
  ] as const)('%s decodes and encodes back', (file, from, kind, subject) => {
    const fixture = readOwnFixture(file);
    expect(decodeStanzaText(fixture)).toMatchObject({ kind, from, subject });
    const encode = kind === 'config-subscribe' ? encodeConfigSubscribe : encodeConfigUnsubscribe;
    expectSameDocument(encode(from, subject), fixture);
  });

  it('decodes update and delete blocks with nodes and links, and encodes them back', () => {
    const fixture = readOwnFixture('config-update.xml');
    const message = decodeStanzaText(fixture) as ConfigMessage;
    expect(message.kind).toBe('config');
    expect(message.to).toBe('worker-3/config');
    expect(message.blocks.map((block) => [block.op, block.objects.map((object) => (object.kind === 'node' ? `${object.type} ${object.name}` : `link ${object.metadata}`))])).toEqual([
      [
        'update',
        [
          'virtual-network default-domain:admin:vn1',
          'virtual-machine-interface-routing-instance attr(default-domain:admin:port1,default-domain:admin:vn1:vn1)',
          'link virtual-network-routing-instance',
        ],
      ],
      ['delete', ['virtual-machine 5075756e-ae49-4ced-88f8-46af16bfce3f', 'link virtual-router-virtual-machine']],
    ]);
    const operations = message.blocks.flatMap((block) => block.objects.map((object) => ({ op: block.op, object })));
    expect(encodeConfigMessage('worker-3', operations)).toBe(fixture);
  });
});

it('every fixture decodes to a stanza the session machine knows', () => {
  const files = ['vrf-subscribe.xml', 'publish-inet.xml', 'route-push-inet.xml', 'config-update.xml', 'agent-end-of-rib-message.xml'];
  const kinds = files.flatMap((file) => stanzaTexts(readOwnFixture(file)).map((text): Stanza['kind'] => decodeStanzaText(text).kind));
  expect(kinds).toEqual(['vrf-subscribe', 'publish', 'collection', 'route-update', 'config', 'end-of-rib']);
});
