// Microservice mode with workload clusters (DESIGN §1, multi-cluster), on loopback: the config API, two control
// replicas and one kubemanager per workload cluster, each its own process from dist, on one PostgreSQL database.
// Two fake clusters, east and west, are recorded with the cluster CLI (which writes their kubemanager manifests),
// a user network is stretched over both, and agents with a session to each replica follow config on a node of each.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { RedundantAgent } from '#apps/agent-sim';
import { runClusterCli } from '#apps/kubemanager';
import { subnet, type ConfigApi, type Json } from './config-api-support.js';
import { KUBEMANAGER_MAIN, Microservices, watchHeld } from './support/microservices.js';
import { eventually, WorkloadCluster } from './support/workload-cluster.js';

const SHARED = ['default-domain', 'shared'];
const STRETCHED = [...SHARED, 'stretched'];
const STRETCHED_FQ = STRETCHED.join(':');
const STRETCHED_VRF = [...STRETCHED, 'stretched'].join(':');
const ON_STRETCHED = { 'k8s.v1.cni.cncf.io/networks': 'shared/stretched' };
const CLUSTERS = [
  { name: 'east', podSubnets: '10.32.0.0/16', podPrefix: /^10\.32\./, node: '192.168.50.1' },
  { name: 'west', podSubnets: '10.33.0.0/16', podPrefix: /^10\.33\./, node: '192.168.51.1' },
] as const;
/** How long the agents' routes are watched after a replica stops: they must never be absent meanwhile. */
const WATCH_MS = 1500;

const pgUrl = process.env.PG_TEST_URL;
const withPostgres = pgUrl ? describe : describe.skip;
if (!pgUrl) process.stderr.write(`microservices-clusters e2e skipped: ${process.env.PG_TEST_UNAVAILABLE ?? 'PG_TEST_URL is not set'}\n`);

jest.setTimeout(60_000);

withPostgres('microservice mode with a kubemanager process per workload cluster, on PostgreSQL', () => {
  let set: Microservices;
  let api: ConfigApi;
  let outDir: string;
  let east: WorkloadCluster;
  let west: WorkloadCluster;
  const agents: RedundantAgent[] = [];
  let eastAgent: RedundantAgent;
  let westAgent: RedundantAgent;
  const cliOutput: string[] = [];

  /** Config objects of `type` owned by a cluster's kubemanager (annotation cluster=<name>). */
  async function owned(type: string, cluster: string): Promise<Json[]> {
    const body = (await api.get(`/${type}s?detail=true`)).body as Json;
    return (body[`${type}s`] as Json[])
      .map((o) => o[type])
      .filter((o) => (o.annotations?.key_value_pair ?? []).some((kv: Json) => kv.key === 'cluster' && kv.value === cluster));
  }

  const hostRoute = (ip: string) => `${ip}/32`;
  /** Every session of the agent (each replica's view) holds the prefix, or none does. */
  const everySession = (agent: RedundantAgent, prefix: string, held: boolean) => agent.sessions.every((s) => s.agent.table(STRETCHED_VRF).has(prefix) === held);

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'microservices-clusters-'));
    [set, east, west] = await Promise.all([Microservices.start({ postgresUrl: pgUrl! }), WorkloadCluster.start('east'), WorkloadCluster.start('west')]);
    api = set.api;
    const grpc = set.configApi.grpc!;
    for (const [cluster, spec] of [
      [east, CLUSTERS[0]],
      [west, CLUSTERS[1]],
    ] as const) {
      cluster.node('node-1', spec.node);
      // Recording the cluster is the operator's first step: it writes the manifests of its kubemanager too.
      const io = { out: (l: string) => cliOutput.push(l), err: (l: string) => cliOutput.push(`ERR ${l}`), cwd: outDir, env: {} };
      const argv = ['attach', '--name', spec.name, '--kubeconfig', cluster.kubeconfig, '--pod-subnets', spec.podSubnets, '--out', join(outDir, spec.name), '--config-api', grpc];
      expect({ code: await runClusterCli(argv, io), output: cliOutput }).toMatchObject({ code: 0 });
    }
    // What those manifests would run on the central cluster, run here as processes.
    const kubemanagers = await Promise.all(
      [east, west].map((cluster) =>
        set.startService(`kubemanager-${cluster.name}`, KUBEMANAGER_MAIN, {
          KUBEMANAGER_CLUSTER: cluster.name,
          KUBECONFIG: cluster.kubeconfig,
          CONFIG_API_GRPC: grpc,
          KUBEMANAGER_RESYNC_MS: '1500',
        }),
      ),
    );
    await Promise.all(kubemanagers.map((km) => km.process.waitForLine((l) => l.msg === 'kubemanager synced', 20_000)));

    // A network stretched over both clusters, made by a user as CN2 keeps networks: in the project of its namespace.
    await api.create('project', { fq_name: SHARED, parent_type: 'domain', quota: {} });
    const clusters = await Promise.all(CLUSTERS.map((c) => api.uuidOf('cluster', ['default-global-system-config', c.name])));
    await api.create('virtual-network', {
      fq_name: STRETCHED,
      parent_type: 'project',
      network_ipam_refs: [{ to: ['default-domain', 'default-project', 'default-network-ipam'], attr: { ipam_subnets: [{ subnet: subnet('10.200.0.0/24') }] } }],
      cluster_refs: clusters.map((uuid) => ({ uuid })),
    });

    for (const [cluster, spec] of [
      [east, CLUSTERS[0]],
      [west, CLUSTERS[1]],
    ] as const) {
      const agent = new RedundantAgent({ controls: set.controlEndpoints, name: cluster.agentName('node-1'), address: spec.node, cluster: spec.name, followConfig: true, backoff: { initialMs: 50, maxMs: 400 } });
      agents.push(agent);
    }
    [eastAgent, westAgent] = agents;
    expect(await Promise.all(agents.map((a) => a.connect()))).toEqual([2, 2]);
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close(1000).catch(() => undefined)));
    await set?.teardown();
    await Promise.all([east?.close(), west?.close()]);
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('the cluster CLI recorded each cluster with its pod subnets and wrote its kubemanager manifests', async () => {
    for (const spec of CLUSTERS) {
      for (const file of ['kustomization.yaml', 'kubeconfig-secret.yaml', 'deployment.yaml']) expect(existsSync(join(outDir, spec.name, file))).toBe(true);
      expect(readFileSync(join(outDir, spec.name, 'deployment.yaml'), 'utf8')).toContain(`kubemanager-${spec.name}`);
      const cluster = await api.read('cluster', await api.uuidOf('cluster', ['default-global-system-config', spec.name]));
      expect(cluster).toMatchObject({
        cluster_attached: true,
        cluster_pod_subnets: [spec.podSubnets],
        cluster_kubeconfig_ref: `secret:contrail/kubemanager-${spec.name}-kubeconfig`,
      });
      const routers = await owned('virtual-router', spec.name);
      expect(routers.map((r) => r.fq_name)).toEqual([['default-global-system-config', `${spec.name}__node-1`]]);
    }
    expect(cliOutput.filter((l) => l.startsWith('ERR'))).toEqual([]);
  });

  it('a pod in east and a pod in west on the stretched network get routes to each other at the agents, from both replicas', async () => {
    east.pod('a', { node: 'node-1', annotations: ON_STRETCHED });
    west.pod('b', { node: 'node-1', annotations: ON_STRETCHED });
    await eventually(() => east.addressOn('a', STRETCHED_FQ) !== undefined && west.addressOn('b', STRETCHED_FQ) !== undefined, 'both pods written back');
    const [aIp, bIp] = [east.addressOn('a', STRETCHED_FQ)!, west.addressOn('b', STRETCHED_FQ)!];
    expect([aIp, bIp]).toEqual([expect.stringMatching(/^10\.200\.0\./), expect.stringMatching(/^10\.200\.0\./)]);
    expect(aIp).not.toBe(bIp);
    // Each pod's primary interface is on its own cluster's pod network, from the subnets the CLI recorded.
    expect(east.addressOn('a', 'default-domain:east-default:east-default-pod-network')).toMatch(CLUSTERS[0].podPrefix);
    expect(west.addressOn('b', 'default-domain:west-default:west-default-pod-network')).toMatch(CLUSTERS[1].podPrefix);

    for (const agent of agents) {
      await agent.waitFor((x) => [aIp, bIp].every((ip) => everySession(x, hostRoute(ip), true)), 15_000, 'both pod routes from both replicas');
    }
    expect(eastAgent.table(STRETCHED_VRF).get(hostRoute(bIp))!.map((p) => p.nextHop)).toEqual([CLUSTERS[1].node]);
    expect(westAgent.table(STRETCHED_VRF).get(hostRoute(aIp))!.map((p) => p.nextHop)).toEqual([CLUSTERS[0].node]);
  });

  it('with control replica 1 stopped the agents keep the routes, and a new pod still reaches both through replica 2', async () => {
    const held = [east.addressOn('a', STRETCHED_FQ)!, west.addressOn('b', STRETCHED_FQ)!].map(hostRoute);
    const [one, two] = set.controlEndpoints;
    const watch = watchHeld(agents, STRETCHED_VRF, () => new Map(agents.map((agent) => [agent, held])));
    const stopped = Date.now();
    expect(await set.stop('control-1')).toEqual({ code: 0, signal: null });
    for (const agent of agents) await agent.waitFor((a) => a.liveControls.join() === two, 5000, 'the session to replica 1 to end');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, WATCH_MS - (Date.now() - stopped))));

    east.pod('a2', { node: 'node-1', annotations: ON_STRETCHED });
    await eventually(() => east.addressOn('a2', STRETCHED_FQ) !== undefined, 'pod a2 written back');
    const a2 = hostRoute(east.addressOn('a2', STRETCHED_FQ)!);
    for (const agent of agents) await agent.waitFor((a) => a.table(STRETCHED_VRF).has(a2), 15_000, `the route of the new pod ${a2}`);
    // Watched from here on, like the others.
    held.push(a2);
    expect(westAgent.session(two!).table(STRETCHED_VRF).get(a2)!.map((p) => p.nextHop)).toEqual([CLUSTERS[0].node]);
    expect(westAgent.session(one!).connected).toBe(false);

    // Replica 1 back: it resyncs every route, the new one too.
    const back = await set.restart('control-1');
    expect(back.grpc).toBe(one);
    for (const agent of agents) {
      await agent.waitFor((a) => a.liveControls.length === 2 && held.every((p) => a.session(one!).table(STRETCHED_VRF).has(p)), 15_000, 'every route from replica 1 again');
    }
    expect(watch.stop()).toBeUndefined();
    for (const agent of agents) expect(agent.anomalies).toEqual([]);
  });

  it('deleting a pod withdraws its route everywhere', async () => {
    // A second pod in west on the network keeps west's agent in its VRF: the withdrawal must reach it as one.
    west.pod('b2', { node: 'node-1', annotations: ON_STRETCHED });
    await eventually(() => west.addressOn('b2', STRETCHED_FQ) !== undefined, 'pod b2 written back');
    const b = hostRoute(west.addressOn('b', STRETCHED_FQ)!);
    const staying = [east.addressOn('a', STRETCHED_FQ)!, east.addressOn('a2', STRETCHED_FQ)!, west.addressOn('b2', STRETCHED_FQ)!].map(hostRoute);
    for (const agent of agents) {
      await agent.waitFor((x) => [b, ...staying].every((p) => everySession(x, p, true)), 15_000, 'every pod route from both replicas');
    }

    west.deletePod('b');
    for (const agent of agents) await agent.waitFor((x) => everySession(x, b, false), 15_000, 'the route of b withdrawn from every session');
    await eventually(async () => (await owned('virtual-machine', 'west')).map((v) => v.fq_name[0]).join() === 'west__default__b2', 'the VM of b deleted');
    for (const agent of agents) expect(staying.filter((p) => !everySession(agent, p, true))).toEqual([]);
  });
});
