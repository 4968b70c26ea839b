// Multi-cluster through the all-in-one controller: two workload clusters (two fake Kubernetes API servers), each
// attached with `cluster:attach --in-process` so the controller runs one kubemanager per cluster, and simulated
// vRouter agents on their nodes acting on config as real agents do (docs/kubemanager.md).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { SimulatedAgent } from '#apps/agent-sim';
import { runClusterCli } from '#apps/kubemanager';
import type { agentProto } from '#libs/proto';
import { ConfigApi, subnet, type Json } from './config-api-support.js';
import { ControllerProcess } from './controller-process.js';
import { eventually, WorkloadCluster } from './support/workload-cluster.js';

const SHARED = ['default-domain', 'shared'];
const STRETCHED = [...SHARED, 'stretched'];
const STRETCHED_FQ = STRETCHED.join(':');
const STRETCHED_VRF = [...STRETCHED, 'stretched'].join(':');
const ON_STRETCHED = { 'k8s.v1.cni.cncf.io/networks': 'shared/stretched' };

jest.setTimeout(60_000);

describe('kubemanagers of two workload clusters in the all-in-one controller', () => {
  let dataDir: string;
  let controller: ControllerProcess;
  let api: ConfigApi;
  let grpc: string;
  let east: WorkloadCluster;
  let west: WorkloadCluster;
  const agents: SimulatedAgent[] = [];
  let eastAgent: SimulatedAgent;
  let westAgent: SimulatedAgent;

  async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runClusterCli([...argv, '--config-api', grpc], { out: (l) => out.push(l), err: (l) => err.push(l), cwd: dataDir, env: {} });
    return { code, out, err };
  }

  /** Config objects owned by a cluster's kubemanager (annotation cluster=<name>), of one type. */
  async function owned(type: string, cluster: string): Promise<Json[]> {
    const body = (await api.get(`/${type}s?detail=true`)).body as Json;
    return (body[`${type}s`] as Json[])
      .map((o) => o[type])
      .filter((o) => (o.annotations?.key_value_pair ?? []).some((kv: Json) => kv.key === 'cluster' && kv.value === cluster));
  }

  function agent(cluster: WorkloadCluster, node: string, address: string): SimulatedAgent {
    const a = new SimulatedAgent({ target: grpc, name: cluster.agentName(node), address, cluster: cluster.name, followConfig: true });
    agents.push(a);
    return a;
  }

  const holds = (a: SimulatedAgent, vrf: string, ip: string | undefined) => ip !== undefined && a.table(vrf).has(`${ip}/32`);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kubemanager-clusters-'));
    [east, west] = await Promise.all([WorkloadCluster.start('east'), WorkloadCluster.start('west')]);
    east.node('node-1', '192.168.10.1');
    west.node('node-1', '192.168.20.1');
    controller = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '2000', KUBEMANAGER_RESYNC_MS: '2000' });
    const listening = await controller.waitForLine((l) => l.msg === 'listening');
    api = new ConfigApi(listening.rest as string);
    grpc = listening.grpc as string;

    // Attaching a cluster is what brings its kubemanager up.
    const attachEast = await cli('attach', '--name', 'east', '--kubeconfig', east.kubeconfig, '--in-process', '--pod-subnets', '10.32.0.0/16', '--service-subnets', '10.96.0.0/16');
    const attachWest = await cli('attach', '--name', 'west', '--kubeconfig', west.kubeconfig, '--in-process', '--pod-subnets', '10.33.0.0/16', '--service-subnets', '10.97.0.0/16');
    expect([attachEast.code, attachWest.code]).toEqual([0, 0]);
    await controller.waitForLine((l) => l.msg === 'kubemanager synced' && l.cluster === 'east');
    await controller.waitForLine((l) => l.msg === 'kubemanager synced' && l.cluster === 'west');

    // A network stretched over both clusters, made by a user as CN2 keeps networks: in the project of its namespace.
    await api.create('project', { fq_name: SHARED, parent_type: 'domain', quota: {} });
    const clusters = await Promise.all(['east', 'west'].map((c) => api.uuidOf('cluster', ['default-global-system-config', c])));
    await api.create('virtual-network', {
      fq_name: STRETCHED,
      parent_type: 'project',
      network_ipam_refs: [{ to: ['default-domain', 'default-project', 'default-network-ipam'], attr: { ipam_subnets: [{ subnet: subnet('10.200.0.0/24') }] } }],
      cluster_refs: clusters.map((uuid) => ({ uuid })),
    });

    eastAgent = agent(east, 'node-1', '192.168.10.1');
    westAgent = agent(west, 'node-1', '192.168.20.1');
    await Promise.all(agents.map((a) => a.connect()));
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    await controller?.ensureStopped();
    await Promise.all([east?.close(), west?.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('made each cluster its own objects, named by the cluster, and a virtual-router per node in that cluster', async () => {
    for (const name of ['east', 'west']) {
      const networks = (await owned('virtual-network', name)).map((n) => n.fq_name.join(':')).sort();
      expect(networks).toEqual([`default-domain:${name}-default:${name}-default-pod-network`, `default-domain:${name}-default:${name}-default-service-network`]);
      const routers = await owned('virtual-router', name);
      expect(routers.map((r) => r.fq_name)).toEqual([['default-global-system-config', `${name}__node-1`]]);
      expect(routers[0].cluster_refs.map((r: Json) => r.to)).toEqual([['default-global-system-config', name]]);
    }
    expect(((await api.get('/control/clusters')).body as Json).clusters).toEqual(['default', 'east', 'west']);
    // The per-cluster desired state places each node's virtual-router in its own cluster.
    for (const name of ['east', 'west']) {
      const desired = JSON.stringify((await api.get(`/control/clusters/${name}`)).body);
      expect(desired).toContain(`${name}__node-1`);
      expect(desired).not.toContain(`${name === 'east' ? 'west' : 'east'}__node-1`);
    }
  });

  it('pods in two clusters on a stretched network get routes to each other at the agents', async () => {
    east.pod('a', { node: 'node-1', labels: { app: 'a' }, annotations: ON_STRETCHED });
    west.pod('b', { node: 'node-1', labels: { app: 'b' }, annotations: ON_STRETCHED });
    await eventually(() => east.addressOn('a', STRETCHED_FQ) !== undefined && west.addressOn('b', STRETCHED_FQ) !== undefined, 'both pods written back');
    const [aIp, bIp] = [east.addressOn('a', STRETCHED_FQ)!, west.addressOn('b', STRETCHED_FQ)!];
    expect(aIp).toMatch(/^10\.200\.0\./);
    expect(bIp).toMatch(/^10\.200\.0\./);
    expect(aIp).not.toBe(bIp);
    // Each pod's primary interface is on its own cluster's pod network, from that cluster's pod subnets.
    expect(east.addressOn('a', 'default-domain:east-default:east-default-pod-network')).toMatch(/^10\.32\./);
    expect(west.addressOn('b', 'default-domain:west-default:west-default-pod-network')).toMatch(/^10\.33\./);
    await eventually(
      () => holds(eastAgent, STRETCHED_VRF, bIp) && holds(westAgent, STRETCHED_VRF, aIp),
      'each agent to hold the other cluster pod route',
      15_000,
      () => ({ east: [...eastAgent.table(STRETCHED_VRF).keys()], west: [...westAgent.table(STRETCHED_VRF).keys()] }),
    );
    const pathToB = eastAgent.table(STRETCHED_VRF).get(`${bIp}/32`)!;
    expect(pathToB.map((p) => p.nextHop)).toEqual(['192.168.20.1']);
  });

  it('a NetworkPolicy denies ingress to the pods it selects, then allows exactly the pods its rule names', async () => {
    east.pod('c', { node: 'node-1', labels: { app: 'c' } });
    await eventually(() => east.networkStatus('c') !== undefined, 'pod c written back');
    const cIp = east.networkStatus('c')![0].ips[0];
    const primaryOfA = (): agentProto.Interface | undefined =>
      [...eastAgent.config.interfaces.values()].find((i) => i.name.includes(':a__') && i.virtualNetwork.endsWith('east-default-pod-network'));
    const groupsOfA = () => (primaryOfA()?.securityGroups ?? []).map((id) => [...eastAgent.config.securityGroups.values()].find((g) => g.id === id));
    const ingressSources = (group: agentProto.SecurityGroup | undefined) =>
      (group?.rules ?? [])
        .filter((r) => r.destinations.some((d) => d.match?.$case === 'securityGroup' && d.match.value === group!.id))
        .flatMap((r) => r.sources.map((s) => (s.match?.$case === 'subnet' ? s.match.value : s.match?.$case)));

    // Before any policy: the namespace's default group, open to any.
    await eventually(() => groupsOfA()[0]?.name === 'default-domain:east-default:east-default-default-sg', 'the default group on pod a');
    expect(ingressSources(groupsOfA()[0])).toEqual(['0.0.0.0/0']);

    east.api.create('NetworkPolicy', { metadata: { name: 'guard-a', namespace: 'default' }, spec: { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Ingress'], ingress: [] } });
    await eventually(() => groupsOfA()[0]?.name === 'default-domain:east-default:east-default-guard-a-np', 'the policy group on pod a', 15_000, () => groupsOfA());
    expect(groupsOfA()).toHaveLength(1);
    expect(ingressSources(groupsOfA()[0])).toEqual([]);

    east.api.update('NetworkPolicy', {
      metadata: { name: 'guard-a', namespace: 'default' },
      spec: { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'c' } } }] }] },
    });
    await eventually(() => ingressSources(groupsOfA()[0]).includes(`${cIp}/32`), `an ingress rule from ${cIp}/32`, 15_000, () => groupsOfA());
    expect(ingressSources(groupsOfA()[0])).toEqual([`${cIp}/32`]);
  });

  it('deleting a pod withdraws its route everywhere', async () => {
    const bIp = west.addressOn('b', STRETCHED_FQ)!;
    expect(holds(eastAgent, STRETCHED_VRF, bIp)).toBe(true);
    west.deletePod('b');
    await eventually(() => !holds(eastAgent, STRETCHED_VRF, bIp) && !holds(westAgent, STRETCHED_VRF, bIp), 'the route of b withdrawn at both agents');
    await eventually(async () => (await owned('virtual-machine', 'west')).length === 0, 'the VM of b deleted');
    expect((await owned('virtual-machine', 'east')).map((v) => v.fq_name[0]).sort()).toEqual(['east__default__a', 'east__default__c']);
  });

  it('a pod annotation with bad JSON gets a Kubernetes event; the pod keeps its primary interface and the rest is served', async () => {
    east.pod('bad', { node: 'node-1', annotations: { 'k8s.v1.cni.cncf.io/networks': '[{"name": ' } });
    east.pod('after-bad', { node: 'node-1' });
    await eventually(() => east.events('bad').length > 0, 'an event on pod bad');
    const [event] = east.events('bad') as Json[];
    expect(event).toMatchObject({ reason: 'InvalidNetworkAnnotation', type: 'Warning', involvedObject: { kind: 'Pod', name: 'bad', namespace: 'default' } });
    expect(event.message).toMatch(/k8s\.v1\.cni\.cncf\.io\/networks/);
    await eventually(() => east.networkStatus('bad') !== undefined && east.networkStatus('after-bad') !== undefined, 'both pods written back');
    expect(east.networkStatus('bad')!.map((s) => s.interface)).toEqual(['eth0']);
  });

  it('detaching a cluster stops its kubemanager and removes its objects; the other cluster is untouched', async () => {
    const eastBefore = (await owned('virtual-machine-interface', 'east')).length;
    const detach = await cli('detach', '--name', 'west');
    expect(detach.err).toEqual([]);
    expect(detach.code).toBe(0);
    await controller.waitForLine((l) => l.msg === 'stopped the kubemanager of a cluster' && l.cluster === 'west');
    for (const type of ['project', 'virtual-network', 'virtual-router', 'security-group', 'network-ipam']) expect(await owned(type, 'west')).toEqual([]);
    // Nothing comes back: its kubemanager is stopped, so a new pod there makes nothing.
    west.pod('late', { node: 'node-1' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await owned('virtual-machine', 'west')).toEqual([]);
    expect((await owned('virtual-machine-interface', 'east')).length).toBe(eastBefore);
    const cluster = await api.read('cluster', await api.uuidOf('cluster', ['default-global-system-config', 'west']));
    expect(cluster.cluster_attached).toBe(false);
  });

  it('refuses to attach with an unreadable kubeconfig, writing nothing', async () => {
    const before = await api.head();
    const result = await cli('attach', '--name', 'north', '--kubeconfig', join(dataDir, 'nope.yaml'), '--in-process');
    expect(result.code).toBe(2);
    expect(result.err.join('\n')).toMatch(/nope\.yaml cannot be read/);
    expect(await api.head()).toBe(before);
  });
});
