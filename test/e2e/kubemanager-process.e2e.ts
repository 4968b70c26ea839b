// The single-cluster deployment from the same code: the all-in-one controller (SQLite, ports 0) and ONE kubemanager
// as its own process (dist/apps/kubemanager/src/main.js) writing through the controller's gRPC, one fake workload
// cluster `k8s` with two nodes, and a simulated vRouter agent per node following config (docs/kubemanager.md).
// The kubemanager is killed, stopped, starved of its API server and given bad input on the way.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { SimulatedAgent } from '#apps/agent-sim';
import { ConfigApi, type Json } from './config-api-support.js';
import { ControllerProcess, type LogLine } from './controller-process.js';
import { eventually, WorkloadCluster } from './support/workload-cluster.js';

const KUBEMANAGER_MAIN = fileURLToPath(new URL('../../dist/apps/kubemanager/src/main.js', import.meta.url));
const CLUSTER = 'k8s';
const POD_VN = `default-domain:${CLUSTER}-default:${CLUSTER}-default-pod-network`;
const POD_VRF = `${POD_VN}:${CLUSTER}-default-pod-network`;
const NODES = [
  ['node-1', '192.168.30.1'],
  ['node-2', '192.168.30.2'],
] as const;
/** Between periodic reconciles: short, so that "at the latest on the next reconcile" comes soon. */
const RESYNC_MS = '1500';
const POD_TYPES = ['virtual-machine', 'virtual-machine-interface', 'instance-ip'] as const;
type PodType = (typeof POD_TYPES)[number];

jest.setTimeout(60_000);

/** A kubemanager process and the REST address its 'listening' line gave. */
interface KubemanagerProcess {
  readonly process: ControllerProcess;
  readonly rest: string;
}

/** The value of one `key` of an owned object's `annotations.key_value_pair`. */
function mark(object: Json, key: string): string | undefined {
  return (object.annotations?.key_value_pair ?? []).find((kv: Json) => kv.key === key)?.value;
}

/** The sum of the samples of a Prometheus metric whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const found = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!found || found[1] !== name) continue;
    const have = Object.fromEntries([...(found[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) total += Number(found[3]);
  }
  return total;
}

/** Runs the kubemanager with `argv` and answers how it exited and what it wrote on stderr. */
function runWithArgs(argv: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [KUBEMANAGER_MAIN, ...argv], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 20_000 }, (_error, _stdout, stderr) =>
      resolve({ code: child.exitCode, stderr }),
    );
  });
}

describe('a single-cluster deployment: the all-in-one controller and one kubemanager process', () => {
  let dataDir: string;
  let controller: ControllerProcess;
  let api: ConfigApi;
  let grpc: string;
  let k8s: WorkloadCluster;
  let kubemanager: KubemanagerProcess;
  const started: ControllerProcess[] = [];
  const clusters: WorkloadCluster[] = [];
  const agents = new Map<string, SimulatedAgent>();

  function envFor(cluster: WorkloadCluster, extra: Record<string, string> = {}): Record<string, string> {
    return {
      KUBEMANAGER_CLUSTER: cluster.name,
      KUBECONFIG: cluster.kubeconfig,
      CONFIG_API_GRPC: grpc,
      KUBEMANAGER_RESYNC_MS: RESYNC_MS,
      REST_PORT: '0',
      SHUTDOWN_TIMEOUT_MS: '2000',
      ...extra,
    };
  }

  async function startKubemanager(env: Record<string, string>): Promise<KubemanagerProcess> {
    const child = new ControllerProcess(env, KUBEMANAGER_MAIN);
    started.push(child);
    const listening = await child.waitForLine((l) => l.msg === 'listening');
    return { process: child, rest: listening.rest as string };
  }

  const synced = (km: KubemanagerProcess): Promise<LogLine> => km.process.waitForLine((l) => l.msg === 'kubemanager synced', 20_000);

  async function health(km: KubemanagerProcess): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${km.rest}/health`);
    return { status: res.status, body: await res.json() };
  }

  async function metrics(km: KubemanagerProcess): Promise<string> {
    return (await fetch(`${km.rest}/metrics`)).text();
  }

  /** Config objects of `type` owned by `cluster`'s kubemanager (annotation cluster=<name>). */
  async function owned(type: string, cluster = CLUSTER): Promise<Json[]> {
    const body = (await api.get(`/${type}s?detail=true`)).body as Json;
    return (body[`${type}s`] as Json[]).map((o) => o[type]).filter((o) => mark(o, 'cluster') === cluster);
  }

  /** The objects pods own, by type. */
  async function podObjects(): Promise<Record<PodType, Json[]>> {
    const [vm, vmi, iip] = await Promise.all(POD_TYPES.map(async (type) => (await owned(type)).filter((o) => mark(o, 'kind') === 'Pod')));
    return { 'virtual-machine': vm, 'virtual-machine-interface': vmi, 'instance-ip': iip };
  }

  /**
   * What differs from one virtual-machine, one primary interface and one instance-ip per live pod of the cluster
   * (none for a deleted pod), every fq_name once, every pod's network-status written back: [] when converged.
   */
  async function podDiscrepancies(): Promise<string[]> {
    const live = new Map(k8s.api.list('Pod').map((p) => [p.metadata.uid as string, p.metadata.name as string]));
    const objects = await podObjects();
    const out: string[] = [];
    for (const type of POD_TYPES) {
      const perPod = new Map<string, number>();
      for (const o of objects[type]) perPod.set(mark(o, 'k8s_uuid')!, (perPod.get(mark(o, 'k8s_uuid')!) ?? 0) + 1);
      for (const [uid, name] of live) if (perPod.get(uid) !== 1) out.push(`${name}: ${perPod.get(uid) ?? 0} ${type}`);
      for (const [uid, count] of perPod) if (!live.has(uid)) out.push(`deleted pod ${uid}: ${count} ${type}`);
      const names = objects[type].map((o) => o.fq_name.join(':'));
      if (new Set(names).size !== names.length) out.push(`duplicate fq_names among ${type}`);
    }
    for (const name of live.values()) if (k8s.networkStatus(name) === undefined) out.push(`${name}: no network-status`);
    return out;
  }

  const converged = async (): Promise<boolean> => (await podDiscrepancies()).length === 0;

  function agentOn(node: string): SimulatedAgent {
    return agents.get(node)!;
  }

  const paths = (agent: SimulatedAgent, ip: string) => (agent.table(POD_VRF).get(`${ip}/32`) ?? []).map((p) => p.nextHop).sort();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kubemanager-process-'));
    k8s = await WorkloadCluster.start(CLUSTER);
    clusters.push(k8s);
    for (const [node, address] of NODES) k8s.node(node, address);
    controller = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: dataDir, SHUTDOWN_TIMEOUT_MS: '2000' });
    started.push(controller);
    const listening = await controller.waitForLine((l) => l.msg === 'listening');
    api = new ConfigApi(listening.rest as string);
    grpc = listening.grpc as string;

    kubemanager = await startKubemanager(envFor(k8s));
    await synced(kubemanager);
    // Their virtual-routers exist now: the agents of the two nodes say hello.
    for (const [node, address] of NODES) {
      agents.set(node, new SimulatedAgent({ target: grpc, name: k8s.agentName(node), address, cluster: CLUSTER, followConfig: true }));
    }
    await Promise.all([...agents.values()].map((a) => a.connect()));
  });

  afterAll(async () => {
    await Promise.all([...agents.values()].map((a) => a.close().catch(() => undefined)));
    await Promise.all(started.map((p) => p.ensureStopped()));
    await Promise.all(clusters.map((c) => c.close()));
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('wires pods on two nodes, routes between them, writes their network-status back, and load-balances a Service over its ready backends', async () => {
    expect((await health(kubemanager)).status).toBe(200);
    k8s.pod('web-1', { node: 'node-1', labels: { app: 'web' } });
    k8s.pod('web-2', { node: 'node-2', labels: { app: 'web' } });
    k8s.pod('web-3', { node: 'node-1', labels: { app: 'web' } });
    await eventually(() => ['web-1', 'web-2', 'web-3'].every((p) => k8s.networkStatus(p)?.[0]?.mac !== undefined), 'the three pods written back with address and MAC');
    const status = k8s.networkStatus('web-1')!;
    expect(status).toEqual([{ name: POD_VN, interface: 'eth0', ips: [expect.stringMatching(/^10\.(3[2-9]|4[0-7])\./)], mac: expect.stringMatching(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/), default: true }]);
    const ip = (pod: string) => k8s.networkStatus(pod)![0].ips[0];
    const vm = await owned('virtual-machine');
    expect(k8s.api.get('Pod', 'default', 'web-1')!.metadata.annotations!['kube-manager.juniper.net/vm-uuid']).toBe(k8s.api.get('Pod', 'default', 'web-1')!.metadata.uid);
    expect(vm.map((v) => v.fq_name[0]).sort()).toEqual(['k8s__default__web-1', 'k8s__default__web-2', 'k8s__default__web-3']);

    // Each agent holds the other node's pods on the cluster's pod network, reached through the other node.
    const [one, two] = [agentOn('node-1'), agentOn('node-2')];
    await eventually(
      () => paths(one, ip('web-2')).length > 0 && paths(two, ip('web-1')).length > 0 && paths(two, ip('web-3')).length > 0,
      'each agent to hold the other node pod routes',
      15_000,
      () => ({ one: [...one.table(POD_VRF).keys()], two: [...two.table(POD_VRF).keys()] }),
    );
    expect(paths(one, ip('web-2'))).toEqual(['192.168.30.2']);
    expect(paths(two, ip('web-1'))).toEqual(['192.168.30.1']);

    // A Service over web-1 and web-2 (ready) and web-3 (not ready).
    const pod = (name: string) => k8s.api.get('Pod', 'default', name)!;
    const endpoint = (name: string, ready: boolean) => ({
      addresses: [ip(name)],
      conditions: { ready },
      targetRef: { kind: 'Pod', namespace: 'default', name, uid: pod(name).metadata.uid },
    });
    k8s.api.create('Service', { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 80, protocol: 'TCP' }] } });
    const slice = {
      metadata: { name: 'web-x7k2p', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [endpoint('web-1', true), endpoint('web-2', true), endpoint('web-3', false)],
      ports: [{ port: 80, protocol: 'TCP' }],
    };
    k8s.api.create('EndpointSlice', slice);
    const vmiOf = async (name: string) => (await owned('virtual-machine-interface')).find((v) => mark(v, 'name') === name)!.uuid as string;
    const vip = async () => (await owned('instance-ip')).find((i) => mark(i, 'kind') === 'Service');
    await eventually(async () => (await vip())?.virtual_machine_interface_refs?.length === 2, 'the VIP of service web with two backends', 15_000);
    const theVip = (await vip())!;
    expect(theVip.fq_name).toEqual([expect.stringMatching(/^k8s__default__web__/)]);
    expect(theVip.instance_ip_address).toBe('10.96.0.10');
    expect(theVip.virtual_network_refs.map((r: Json) => r.to.join(':'))).toEqual([`default-domain:${CLUSTER}-default:${CLUSTER}-default-service-network`]);
    expect(theVip.virtual_machine_interface_refs.map((r: Json) => r.uuid).sort()).toEqual([await vmiOf('web-1'), await vmiOf('web-2')].sort());

    // Both agents see the VIP published from both backends: two paths, one per node.
    await eventually(
      () => paths(one, '10.96.0.10').length === 2 && paths(two, '10.96.0.10').length === 2,
      'the VIP as ECMP at both agents',
      15_000,
      () => ({ one: paths(one, '10.96.0.10'), two: paths(two, '10.96.0.10') }),
    );
    expect(paths(one, '10.96.0.10')).toEqual(['192.168.30.1', '192.168.30.2']);
    expect(paths(two, '10.96.0.10')).toEqual(['192.168.30.1', '192.168.30.2']);

    // web-1 is no longer ready: its node stops carrying the VIP.
    k8s.api.update('EndpointSlice', { ...slice, endpoints: [endpoint('web-1', false), endpoint('web-2', true), endpoint('web-3', false)] });
    await eventually(
      () => paths(one, '10.96.0.10').join() === '192.168.30.2' && paths(two, '10.96.0.10').join() === '192.168.30.2',
      'the VIP only through node-2',
      15_000,
      () => ({ one: paths(one, '10.96.0.10'), two: paths(two, '10.96.0.10') }),
    );
    expect((await vip())!.virtual_machine_interface_refs.map((r: Json) => r.uuid)).toEqual([await vmiOf('web-2')]);
  });

  it('killed (SIGKILL) in the middle of a burst and restarted, converges to exactly one VM, interface and instance-ip per live pod', async () => {
    const burst = Array.from({ length: 80 }, (_, i) => `burst-${i}`);
    burst.forEach((name, i) => k8s.pod(name, { node: NODES[i % 2][0] }));
    const madeOfBurst = async () => {
      const body = (await api.get('/virtual-machines')).body as Json;
      return (body['virtual-machines'] as Json[]).filter((v) => v.fq_name[0].startsWith('k8s__default__burst-')).length;
    };
    // Killed once some, but not all, of the burst have a virtual-machine (a third: some pods then have their VM but
    // not yet their interface or instance-ip).
    let made = 0;
    const deadline = Date.now() + 20_000;
    while ((made = await madeOfBurst()) < 24 && Date.now() < deadline);
    kubemanager.process.kill('SIGKILL');
    expect(await kubemanager.process.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThan(burst.length);

    // While it is down: 20 pods come, 10 of the burst go (some with objects already, some without).
    const withVm = new Set((await owned('virtual-machine')).map((v) => mark(v, 'name')));
    const [withObjects, withNone] = [burst.filter((n) => withVm.has(n)), burst.filter((n) => !withVm.has(n))];
    const gone = [...withObjects.slice(0, 5), ...withNone.slice(0, 5)];
    gone.push(...withObjects.slice(5, 15 - gone.length));
    for (const name of gone) k8s.deletePod(name);
    for (let i = 0; i < 20; i++) k8s.pod(`late-${i}`, { node: NODES[i % 2][0] });

    // What exists when it starts again (a create in flight at the kill lands within a moment: the log head must hold).
    let before: Record<PodType, Set<string>>;
    for (;;) {
      const head = await api.head();
      const objects = await podObjects();
      before = Object.fromEntries(POD_TYPES.map((t) => [t, new Set(objects[t].map((o) => o.uuid as string))])) as Record<PodType, Set<string>>;
      if ((await api.head()) === head) break;
    }

    kubemanager = await startKubemanager(envFor(k8s));
    await synced(kubemanager);
    await eventually(converged, 'one VM, interface and instance-ip per live pod', 30_000);
    expect(await podDiscrepancies()).toEqual([]);
    const live = k8s.api.list('Pod').length;
    expect(live).toBe(3 + 80 - 10 + 20);
    const after = await podObjects();
    for (const type of POD_TYPES) expect(after[type]).toHaveLength(live);

    // After the restart it created exactly what was missing and deleted what was left over: an object it had made
    // before the kill is never created again (at most met as "existed"), and no command failed.
    const text = await metrics(kubemanager);
    const commands = (labels: Record<string, string>) => sample(text, 'kubemanager_config_commands_total', labels);
    for (const type of POD_TYPES) {
      const now = new Set(after[type].map((o) => o.uuid as string));
      const missing = [...now].filter((uuid) => !before[type].has(uuid)).length;
      const leftOver = [...before[type]].filter((uuid) => !now.has(uuid)).length;
      const sent = { type, created: commands({ op: 'create', type, outcome: 'ok' }), deleted: commands({ op: 'delete', type, outcome: 'ok' }) };
      expect(sent).toEqual({ type, created: missing, deleted: leftOver });
    }
    expect(commands({ outcome: 'failed' })).toBe(0);
    // The cluster's and the namespace's objects were all there: none is created again.
    expect(commands({ op: 'create', outcome: 'ok' })).toBe(POD_TYPES.reduce((n, type) => n + commands({ op: 'create', type, outcome: 'ok' }), 0));
  });

  it('relists after its watch expired (410) and converges', async () => {
    await eventually(converged, 'converged before the fault');
    await k8s.api.pause();
    for (let i = 0; i < 5; i++) k8s.pod(`during-${i}`, { node: NODES[i % 2][0] });
    for (const name of ['late-0', 'late-1', 'late-2']) k8s.deletePod(name);
    // The changes made meanwhile are compacted away: resuming the watch from its version answers 410 Gone.
    k8s.api.compact();
    await k8s.api.resume();

    await eventually(
      async () => sample(await metrics(kubemanager), 'kubemanager_lists_total', { kind: 'Pod', reason: 'expired' }) >= 1,
      'a relist of pods after 410',
      20_000,
      () => kubemanager.process.lines.filter((l) => l.msg === 'relisted' || l.msg === 'watch failed; will retry'),
    );
    await kubemanager.process.waitForLine((l) => l.msg === 'relisted' && l.kind === 'Pod' && l.reason === 'expired');
    await eventually(converged, 'converged after the relist', 20_000);
    expect(k8s.api.list('Pod').map((p) => p.metadata.name)).toEqual(expect.arrayContaining(['during-0', 'during-4']));
    expect((await owned('virtual-machine')).map((v) => mark(v, 'name'))).not.toContain('late-0');
  });

  it('removes the objects of a pod deleted while it was down, at the latest on the next reconcile', async () => {
    const stopping = Date.now();
    kubemanager.process.kill('SIGTERM');
    expect(await kubemanager.process.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopping).toBeLessThan(5000);
    const victim = k8s.api.get('Pod', 'default', 'during-0')!.metadata.uid as string;
    expect((await owned('virtual-machine')).map((v) => v.uuid)).toContain(victim);
    k8s.deletePod('during-0');

    kubemanager = await startKubemanager(envFor(k8s));
    const objectsOf = async (uid: string) => (await Promise.all(POD_TYPES.map((t) => owned(t)))).flat().filter((o) => mark(o, 'k8s_uuid') === uid);
    await eventually(async () => (await objectsOf(victim)).length === 0, 'the objects of during-0 to go', 20_000);
    await eventually(converged, 'converged after the restart', 20_000);
  });

  describe('bad input', () => {
    it('exits 2 on a malformed kubeconfig, naming the file and the problem, and writes nothing', async () => {
      const file = join(dataDir, 'broken.kubeconfig');
      writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: [ {name: "x", cluster: {server: \n');
      const head = await api.head();
      const child = new ControllerProcess(envFor(k8s, { KUBECONFIG: file }), KUBEMANAGER_MAIN);
      started.push(child);
      expect(await child.exited).toEqual({ code: 2, signal: null });
      expect(child.stderr).toContain(file);
      expect(child.stderr).toMatch(/cannot be read/);
      expect(child.lines.find((l) => l.msg === 'invalid configuration')).toMatchObject({ level: 'fatal' });
      expect(await api.head()).toBe(head);
    });

    it('keeps running while its API server is unreachable, says so, and syncs and serves once it answers', async () => {
      const offline = await WorkloadCluster.start('offline');
      clusters.push(offline);
      offline.node('node-1', '192.168.31.1');
      offline.pod('early', { node: 'node-1' });
      await offline.api.pause();

      const km = await startKubemanager(envFor(offline));
      await km.process.waitForLine((l) => l.msg === 'watch failed; will retry', 20_000);
      const waiting = await health(km);
      expect(waiting.status).toBe(503);
      expect(waiting.body).toMatchObject({ status: 'starting', kubernetes: offline.api.url });
      expect(km.process.lines.some((l) => l.msg === 'kubemanager synced')).toBe(false);

      await offline.api.resume();
      await synced(km);
      expect(await health(km)).toMatchObject({ status: 200, body: { status: 'ok', kube: { Pod: 1, Node: 1 } } });
      offline.pod('later', { node: 'node-1' });
      await eventually(() => offline.networkStatus('early') !== undefined && offline.networkStatus('later') !== undefined, 'both pods of the offline cluster served');
      expect(offline.networkStatus('later')![0].name).toBe('default-domain:offline-default:offline-default-pod-network');
      km.process.kill('SIGTERM');
      expect(await km.process.exited).toEqual({ code: 0, signal: null });
    });

    it('exits 2 on an unknown flag', async () => {
      const head = await api.head();
      const run = await runWithArgs(['--cluster', CLUSTER, '--kubeconfg', k8s.kubeconfig], { CONFIG_API_GRPC: grpc, REST_PORT: '0' });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('unknown argument "--kubeconfg"');
      expect(await api.head()).toBe(head);
    });
  });

  it('exits 0 promptly on SIGTERM', async () => {
    await synced(kubemanager);
    const stopping = Date.now();
    kubemanager.process.kill('SIGTERM');
    expect(await kubemanager.process.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopping).toBeLessThan(3000);
    expect(kubemanager.process.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['stopping', 'stopped']));
  });
});
