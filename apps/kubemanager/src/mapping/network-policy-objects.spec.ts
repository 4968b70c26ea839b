import { describe, expect, it } from '@jest/globals';
import type { V1NetworkPolicySpec } from '@kubernetes/client-node';
import { bodyProblems, MemorySnapshot, namespace, networkPolicy, pairs, pod, TestContext } from './kube-fixtures.test.js';
import { networkPolicyObjects } from './network-policy-objects.js';
import { objectUuid } from './object-uuid.js';
import { podObjects } from './pod-objects.js';
import { primaryInterfaceUuid } from './pod-interfaces.js';

const C = 'east';
const LOCAL = [{ security_group: 'local' }];
const ALL = [{ start_port: 0, end_port: 65535 }];
const host = (ip: string) => ({ subnet: { ip_prefix: ip, ip_prefix_len: 32 } });
const ANY = [{ subnet: { ip_prefix: '0.0.0.0', ip_prefix_len: 0 } }];

/** Namespace shop with a server (app=a), two clients (app=b) and a stranger (app=c), each with an address. */
function setup() {
  const ctx = new TestContext(C);
  const a = pod('a-0', 'shop', { labels: { app: 'a' }, ports: [{ name: 'http', containerPort: 8080 }] });
  const b0 = pod('b-0', 'shop', { labels: { app: 'b' } });
  const b1 = pod('b-1', 'shop', { labels: { app: 'b' } });
  const c = pod('c-0', 'shop', { labels: { app: 'c' } });
  const monitor = pod('prom-0', 'ops', { labels: { app: 'prometheus' } });
  const addresses: Array<[ReturnType<typeof pod>, string]> = [
    [a, '10.32.0.10'],
    [b0, '10.32.0.21'],
    [b1, '10.32.0.3'],
    [c, '10.32.0.30'],
    [monitor, '10.32.1.5'],
  ];
  for (const [p, ip] of addresses) ctx.addresses.set(primaryInterfaceUuid(C, p.metadata!.uid!), [ip]);
  const snap = new MemorySnapshot([namespace('shop'), namespace('ops', { labels: { team: 'ops' } }), a, b0, b1, c, monitor]);
  return { ctx, snap, a, b0, b1, c };
}

type Rule = Record<string, unknown>;
const rulesOf = (spec: V1NetworkPolicySpec, s = setup()) => {
  const np = networkPolicy('np', 'shop', spec);
  s.snap.put(np);
  const { objects, problems } = networkPolicyObjects(np, s.snap, s.ctx);
  expect(bodyProblems(objects)).toEqual([]);
  const rules = (objects[0].body.security_group_entries as { policy_rule: Rule[] }).policy_rule;
  return { rules, problems, group: objects[0], np, ...s };
};
const shape = (rules: Rule[]) => rules.map(({ rule_uuid: _uuid, ...rest }) => rest);

describe('networkPolicyObjects (docs/kubemanager.md §3 NetworkPolicy, §4)', () => {
  it('denies all ingress with ingress: [] (and allows all egress, which it does not restrict)', () => {
    const { rules, group, np, snap, ctx, a, c } = rulesOf({ podSelector: { matchLabels: { app: 'a' } }, ingress: [] });
    expect(group).toMatchObject({
      type: 'security-group',
      fqName: ['default-domain', 'east-shop', 'east-shop-np-np'],
      uuid: objectUuid(C, 'np-sg', np.metadata!.uid!),
      ownerKey: `NetworkPolicy/${np.metadata!.uid}`,
    });
    expect(pairs(group.body.annotations)).toMatchObject({ kind: 'NetworkPolicy', namespace: 'shop', name: 'np' });
    expect(shape(rules)).toEqual([
      { direction: '>', protocol: 'any', ethertype: 'IPv4', src_addresses: LOCAL, src_ports: ALL, dst_addresses: ANY, dst_ports: ALL },
    ]);
    // §4: the pod it selects refs its group instead of the namespace's default group; others keep theirs.
    const groupsOf = (p: typeof a) => podObjects(p, snap, ctx).objects.find((o) => o.type === 'virtual-machine-interface')!.body.security_group_refs;
    expect(groupsOf(a)).toEqual([{ to: ['default-domain', 'east-shop', 'east-shop-np-np'] }]);
    expect(groupsOf(c)).toEqual([{ to: ['default-domain', 'east-shop', 'east-shop-default-sg'] }]);
  });

  it('then allows exactly the addresses of the pods an ingress podSelector names, sorted', () => {
    const { rules } = rulesOf({ podSelector: { matchLabels: { app: 'a' } }, ingress: [{ _from: [{ podSelector: { matchLabels: { app: 'b' } } }] }] });
    expect(shape(rules)[0]).toEqual({
      direction: '>',
      protocol: 'any',
      ethertype: 'IPv4',
      src_addresses: [host('10.32.0.3'), host('10.32.0.21')],
      src_ports: ALL,
      dst_addresses: LOCAL,
      dst_ports: ALL,
    });
    expect(rules).toHaveLength(2);
  });

  it('reads `from` as a watch event carries it (the API’s JSON), not only the client model’s `_from`', () => {
    const { rules } = rulesOf({ podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'b' } } }] } as never] });
    expect(rules[0].src_addresses).toEqual([host('10.32.0.3'), host('10.32.0.21')]);
  });

  it('makes one rule per peer and port: protocols, numbered and named ports, port ranges, SCTP by number', () => {
    const { rules } = rulesOf({
      podSelector: { matchLabels: { app: 'a' } },
      ingress: [
        {
          _from: [{ ipBlock: { cidr: '192.168.0.0/16' } }, { namespaceSelector: { matchLabels: { team: 'ops' } } }],
          ports: [{ port: 443 }, { protocol: 'UDP', port: 5000, endPort: 5010 }, { port: 'http' }, { protocol: 'SCTP' }],
        },
      ],
    });
    const summary = rules.filter((r) => r.dst_addresses !== undefined && JSON.stringify(r.dst_addresses) === JSON.stringify(LOCAL)).map((r) => [
      (r.src_addresses as Array<{ subnet: { ip_prefix: string } }>).map((s) => s.subnet.ip_prefix).join(','),
      r.protocol,
      (r.dst_ports as Array<{ start_port: number; end_port: number }>).map((p) => `${p.start_port}-${p.end_port}`).join(','),
    ]);
    expect(summary).toEqual([
      ['192.168.0.0', 'tcp', '443-443'],
      ['192.168.0.0', 'udp', '5000-5010'],
      ['192.168.0.0', 'tcp', '8080-8080'],
      ['192.168.0.0', '132', '0-65535'],
      ['10.32.1.5', 'tcp', '443-443'],
      ['10.32.1.5', 'udp', '5000-5010'],
      ['10.32.1.5', 'tcp', '8080-8080'],
      ['10.32.1.5', '132', '0-65535'],
    ]);
  });

  it('allows any source with an ingress rule that lists no peers', () => {
    const { rules } = rulesOf({ podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] });
    expect(rules[0]).toMatchObject({ src_addresses: ANY, dst_addresses: LOCAL, protocol: 'tcp', dst_ports: [{ start_port: 80, end_port: 80 }] });
  });

  it('mirrors egress rules (local → peer), and then allows all ingress only if Ingress is not in policyTypes', () => {
    const egress = [{ to: [{ podSelector: { matchLabels: { app: 'b' } } }], ports: [{ port: 53, protocol: 'UDP' }] }];
    const both = rulesOf({ podSelector: {}, egress });
    expect(shape(both.rules)).toEqual([
      {
        direction: '>',
        protocol: 'udp',
        ethertype: 'IPv4',
        src_addresses: LOCAL,
        src_ports: ALL,
        dst_addresses: [host('10.32.0.3'), host('10.32.0.21')],
        dst_ports: [{ start_port: 53, end_port: 53 }],
      },
    ]);
    const egressOnly = rulesOf({ podSelector: {}, policyTypes: ['Egress'], egress });
    expect(shape(egressOnly.rules)[0]).toEqual({ direction: '>', protocol: 'any', ethertype: 'IPv4', src_addresses: ANY, src_ports: ALL, dst_addresses: LOCAL, dst_ports: ALL });
    expect(egressOnly.rules).toHaveLength(2);
  });

  it('defaults policyTypes as Kubernetes does: egress: [] restricts nothing, unless Egress is listed', () => {
    expect(rulesOf({ podSelector: {}, ingress: [], egress: [] }).rules).toEqual([expect.objectContaining({ src_addresses: LOCAL, dst_addresses: ANY })]);
    expect(rulesOf({ podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] }).rules).toEqual([]);
  });

  it('makes no rule for a selector that matches no pod with an address (it allows nothing)', () => {
    const { rules } = rulesOf({ podSelector: {}, ingress: [{ _from: [{ podSelector: { matchLabels: { app: 'nobody' } } }] }] });
    expect(shape(rules)).toEqual([expect.objectContaining({ src_addresses: LOCAL, dst_addresses: ANY })]);
  });

  it('allows the whole ipBlock when it has `except`, records it and says so', () => {
    const { rules, problems, group } = rulesOf({ podSelector: {}, ingress: [{ _from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }] });
    expect(rules[0].src_addresses).toEqual([{ subnet: { ip_prefix: '10.0.0.0', ip_prefix_len: 8 } }]);
    expect(pairs(group.body.annotations).ipblock_except).toBe('10.0.0.0/8 except 10.1.0.0/16');
    expect(problems).toEqual([expect.objectContaining({ reason: 'IpBlockExceptNotSupported' })]);
  });

  it('splits IPv4 and IPv6 peers into rules of their ethertype', () => {
    const { rules } = rulesOf({ podSelector: {}, ingress: [{ _from: [{ ipBlock: { cidr: 'fd00:1::/64' } }] }] });
    expect(rules[0]).toMatchObject({ ethertype: 'IPv6', src_addresses: [{ subnet: { ip_prefix: 'fd00:1::', ip_prefix_len: 64 } }] });
  });

  it('gives rules deterministic uuids that follow their content', () => {
    const spec: V1NetworkPolicySpec = { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }, { ports: [{ port: 443 }] }] };
    const first = rulesOf(spec).rules;
    expect(rulesOf(spec).rules).toEqual(first);
    const fewer = rulesOf({ podSelector: {}, ingress: [{ ports: [{ port: 443 }] }] }).rules;
    expect(fewer[0].rule_uuid).toBe(first[1].rule_uuid);
  });
});
