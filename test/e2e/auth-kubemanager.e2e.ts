// Kubemanagers when the config API authenticates callers: the all-in-one controller with a token file (and so no
// anonymous access) runs the kubemanager of a cluster attached with `cluster:attach --token-file`; that in-process
// kubemanager writes with a token minted for it in memory, and its events name kubemanager:<cluster>. A kubemanager
// process of another cluster authenticates with CONFIG_API_TOKEN_FILE. Workload clusters are fake Kubernetes API
// servers.
import { jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runClusterCli } from '#apps/kubemanager';
import { ControllerProcess } from './controller-process.js';
import { Rest, TOKENS, tokenFileText, type Json } from './support/auth-fixtures.js';
import { eventually, WorkloadCluster } from './support/workload-cluster.js';

const KUBEMANAGER_MAIN = fileURLToPath(new URL('../../dist/apps/kubemanager/src/main.js', import.meta.url));

jest.setTimeout(60_000);

let dir: string;
let controller: ControllerProcess;
let rest: Rest;
let grpc: string;
let east: WorkloadCluster;
let west: WorkloadCluster;
const processes: ControllerProcess[] = [];

/** A file holding one token, as a Secret mounted for a client would. */
function tokenFile(name: string, token: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${token}\n`);
  return path;
}

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runClusterCli([...argv, '--config-api', grpc], { out: (l) => out.push(l), err: (l) => err.push(l), cwd: dir, env: {} });
  return { code, out, err };
}

/** Every event (read as the admin) whose metadata names `actor`. */
async function eventsBy(actor: string): Promise<Json[]> {
  const answer = await rest.call('GET', `/audit/events?actor=${encodeURIComponent(actor)}&limit=1000`, TOKENS.admin);
  return answer.body.events as Json[];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'auth-kubemanager-'));
  writeFileSync(join(dir, 'tokens'), tokenFileText());
  [east, west] = await Promise.all([WorkloadCluster.start('east'), WorkloadCluster.start('west')]);
  east.node('node-1', '192.168.10.1');
  west.node('node-1', '192.168.20.1');
  controller = new ControllerProcess({
    REST_PORT: '0',
    GRPC_PORT: '0',
    XMPP_PORT: '0',
    DATA_DIR: join(dir, 'data'),
    SHUTDOWN_TIMEOUT_MS: '2000',
    KUBEMANAGER_RESYNC_MS: '2000',
    AUTH_TOKENS_FILE: join(dir, 'tokens'),
  });
  const listening = await controller.waitForLine((l) => l.msg === 'listening');
  rest = new Rest(listening.rest as string);
  grpc = listening.grpc as string;
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.ensureStopped()));
  await controller?.ensureStopped();
  await Promise.all([east?.close(), west?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('cluster:attach against a config API that authenticates', () => {
  it('without a token: exit 1, saying authentication is required, nothing written', async () => {
    const before = await rest.head();
    const attach = await cli('attach', '--name', 'east', '--kubeconfig', east.kubeconfig, '--in-process');
    expect(attach.code).toBe(1);
    expect(attach.err.join('\n')).toMatch(/authentication required/);
    expect(await rest.head()).toBe(before);
  });

  it('with a reader\'s token: exit 1, the role it needs named, the refusal recorded', async () => {
    const before = await rest.head();
    const attach = await cli('attach', '--name', 'east', '--kubeconfig', east.kubeconfig, '--in-process', '--token-file', tokenFile('reader.token', TOKENS.reader));
    expect(attach.code).toBe(1);
    expect(attach.err.join('\n')).toMatch(/bob \(reader\) may not ConfigService\/Create: it needs the role operator or admin/);
    expect((await rest.eventsAfter(before)).map((e) => [e.type, e.data.actor, e.data.type])).toEqual([['CommandRefused', 'bob', 'cluster']]);
  });

  it('with a token file it cannot read: exit 2', async () => {
    const attach = await cli('attach', '--name', 'east', '--kubeconfig', east.kubeconfig, '--in-process', '--token-file', 'absent.token');
    expect(attach.code).toBe(2);
    expect(attach.err.join('\n')).toMatch(/the token file .*absent.token cannot be read/);
  });
});

describe('an attached cluster\'s in-process kubemanager', () => {
  beforeAll(async () => {
    const attach = await cli('attach', '--name', 'east', '--kubeconfig', east.kubeconfig, '--in-process', '--pod-subnets', '10.32.0.0/16', '--token-file', tokenFile('admin.token', TOKENS.admin));
    expect(attach).toMatchObject({ code: 0, err: [] });
    await controller.waitForLine((l) => l.msg === 'kubemanager synced' && l.cluster === 'east');
  });

  it('writes its cluster\'s objects with a minted token: every event names kubemanager:east, none was refused', async () => {
    // Every kind of object it makes: pods, an isolated namespace's networks, a policy's group, a service's VIP.
    const web = east.pod('web', { node: 'node-1', labels: { app: 'web' } });
    east.namespace('shop', { annotations: { 'opencontrail.org/isolation': 'true' } });
    east.pod('cart', { namespace: 'shop', node: 'node-1' });
    east.api.create('NetworkPolicy', { metadata: { name: 'guard', namespace: 'default' }, spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [] } });
    await eventually(() => east.networkStatus('web') !== undefined && east.networkStatus('cart', 'shop') !== undefined, 'pods web and cart written back');
    east.api.create('Service', { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 80, protocol: 'TCP' }] } });
    east.api.create('EndpointSlice', {
      metadata: { name: 'web-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [east.networkStatus('web')![0]!.ips[0]], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: 'default', name: 'web', uid: web.metadata!.uid } }],
      ports: [{ port: 80, protocol: 'TCP' }],
    });
    const made = async (type: string, name: RegExp) => (await eventsBy('kubemanager:east')).some((e) => e.type === type && name.test((e.data.fq_name ?? []).join(':')));
    await eventually(async () => (await made('InstanceIpCreated', /^east__default__web__/)) && (await made('SecurityGroupCreated', /east-default-guard-np$/)), 'the VIP of web and the group of guard', 15_000);
    const events = await eventsBy('kubemanager:east');
    const types = new Set(events.map((e) => e.type));
    for (const type of ['ProjectCreated', 'NetworkIpamCreated', 'VirtualNetworkCreated', 'NetworkPolicyCreated', 'VirtualRouterCreated', 'SecurityGroupCreated', 'VirtualMachineCreated', 'VirtualMachineInterfaceCreated', 'InstanceIpCreated', 'VirtualMachineInterfaceUpdated']) {
      expect([type, types.has(type)]).toEqual([type, true]);
    }
    expect(await made('VirtualNetworkCreated', /^default-domain:east-shop:east-shop-pod-network$/)).toBe(true);
    expect(new Set(events.map((e) => `${e.metadata.source} ${e.metadata.authentication}`))).toEqual(new Set(['grpc internal']));
    expect((await rest.call('GET', '/audit/refusals?actor=kubemanager:east', TOKENS.admin)).body.refusals).toEqual([]);
    // The cluster record itself was written by the CLI, as the admin it authenticated as.
    expect((await eventsBy('root')).map((e) => e.type)).toContain('ClusterCreated');
  });

  it('stops with detach (an admin\'s token), which deletes its objects', async () => {
    const detach = await cli('detach', '--name', 'east', '--token-file', join(dir, 'admin.token'));
    expect(detach).toMatchObject({ code: 0, err: [] });
    await controller.waitForLine((l) => l.msg === 'stopped the kubemanager of a cluster' && l.cluster === 'east');
    for (const type of ['virtual-network', 'virtual-machine', 'project']) {
      const listed = (await rest.call('GET', `/${type}s?detail=true`, TOKENS.reader)).body[`${type}s`] as Json[];
      const ofEast = listed.filter((o) => (o[type].annotations?.key_value_pair ?? []).some((kv: Json) => kv.key === 'cluster' && kv.value === 'east'));
      expect([type, ofEast]).toEqual([type, []]);
    }
  });
});

describe('a kubemanager process with CONFIG_API_TOKEN_FILE', () => {
  function kubemanager(env: Record<string, string>): ControllerProcess {
    const process = new ControllerProcess({ KUBEMANAGER_CLUSTER: 'west', KUBECONFIG: west.kubeconfig, CONFIG_API_GRPC: grpc, REST_PORT: '0', ...env }, KUBEMANAGER_MAIN);
    processes.push(process);
    return process;
  }

  it('records its cluster and writes its objects as kubemanager:west', async () => {
    const process = kubemanager({ CONFIG_API_TOKEN_FILE: tokenFile('west.token', TOKENS.west) });
    await process.waitForLine((l) => l.msg === 'kubemanager synced', 30_000);
    const events = await eventsBy('kubemanager:west');
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['ClusterCreated', 'ProjectCreated', 'VirtualRouterCreated']));
    expect(new Set(events.map((e) => e.metadata.authentication))).toEqual(new Set(['token']));
    process.kill('SIGTERM');
    expect((await process.exited).code).toBe(0);
  });

  it('exits 2 when its token file cannot be read', async () => {
    const process = kubemanager({ CONFIG_API_TOKEN_FILE: join(dir, 'absent.token') });
    expect((await process.exited).code).toBe(2);
    expect(process.stderr).toMatch(/the token file .*absent.token cannot be read/);
  });
});
