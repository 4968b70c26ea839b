// A cluster's desired state as of a position or a time, and verify of every projection, end to end: the built
// controller (config API and control service in one process, on SQLite), a history of networks, virtual-routers in
// two clusters and ports written over REST, then read back over REST's /audit/clusters routes and
// contrail.audit.v1.AuditService, and compared with what GET /control/clusters/<cluster> answered live at each point.
import { credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import {
  AuditServiceClient,
  ClusterAtRequest,
  ClustersAtRequest,
  type ClusterAtResponse,
  type ClustersAtResponse,
  type VerifyResponse,
} from '#libs/proto';
import { RunningController, errorBody, networkBody, subnet, tempDataDir, type ConfigApi, type Json } from './config-api-support.js';

const PROJECT = ['default-domain', 'default-project'];
const GSC = ['default-global-system-config'];

type Callback<T> = (error: ServiceError | null, response: T) => void;

function unary<T>(start: (metadata: Metadata, callback: Callback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => start(new Metadata(), (error, response) => (error ? reject(error) : resolve(response))));
}

async function refusal(work: () => Promise<unknown>): Promise<ServiceError> {
  try {
    await work();
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}

const data = tempDataDir();
let controller: RunningController;
let api: ConfigApi;
let audit: AuditServiceClient;

/** Positions after each step, and what GET /control/clusters/<cluster> answered right then. */
const at: Record<string, number> = {};
const live: Record<string, Record<string, Json>> = {};

/** The position a write answered. */
const positionOf = (answer: { headers: Headers }) => Number(answer.headers.get('x-log-position'));

/** Notes the position after a step, and each cluster's live desired state then (the config API answers a write
 * once its projection holds it, and the desired state follows the same fold run by run). */
async function step(name: string, position: number): Promise<void> {
  at[name] = position;
  live[name] = {};
  const clusters = await api.get('/control/clusters');
  expect(clusters.body.position).toBe(position);
  for (const cluster of clusters.body.clusters as string[]) {
    const answer = await api.get(`/control/clusters/${cluster}`);
    expect(answer.body.position).toBe(position);
    live[name][cluster] = answer.body;
  }
}

async function create(type: string, body: Record<string, unknown>): Promise<{ uuid: string; position: number }> {
  const answer = await api.post(`/${type}s`, { [type]: body });
  if (answer.status !== 200) throw new Error(`creating ${type} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return { uuid: answer.body[type].uuid, position: positionOf(answer) };
}

/** A port on `network` bound to virtual-router `host`, with one instance IP; the position after the IP. */
async function port(name: string, network: string, host: string): Promise<{ ip: string; position: number }> {
  const vmi = await create('virtual-machine-interface', {
    fq_name: [...PROJECT, name],
    parent_type: 'project',
    virtual_network_refs: [{ to: [...PROJECT, network] }],
    virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: host }] },
  });
  const ip = await create('instance-ip', { fq_name: [`${name}-ip`], virtual_network_refs: [{ to: [...PROJECT, network] }], virtual_machine_interface_refs: [{ uuid: vmi.uuid }] });
  return { ip: ip.uuid, position: ip.position };
}

beforeAll(async () => {
  controller = await RunningController.start(data.path, { AUDIT_SNAPSHOT_EVERY: '5' });
  api = controller.api;
  audit = new AuditServiceClient(controller.process.lines.find((l) => l.msg === 'listening')!.grpc as string, credentials.createInsecure());

  await step('start', await api.head());
  await create('virtual-network', networkBody([...PROJECT, 'red'], [{ subnet: subnet('10.31.0.0/24') }]));
  const router = await create('virtual-router', { fq_name: [...GSC, 'vr-a'], parent_type: 'global-system-config', virtual_router_ip_address: '192.0.2.11' });
  await step('router', router.position);
  const first = await port('port-a', 'red', 'vr-a');
  await step('port', first.position);
  await create('cluster', { fq_name: [...GSC, 'edge'], parent_type: 'global-system-config' });
  await create('virtual-network', networkBody([...PROJECT, 'blue'], [{ subnet: subnet('10.32.0.0/24') }]));
  await create('virtual-router', { fq_name: [...GSC, 'vr-e'], parent_type: 'global-system-config', virtual_router_ip_address: '192.0.2.12', cluster_refs: [{ to: [...GSC, 'edge'] }] });
  await step('edge', (await port('port-e', 'blue', 'vr-e')).position);
  const gone = await api.delete(`/instance-ip/${first.ip}`);
  expect(gone.status).toBe(200);
  await step('ipGone', positionOf(gone));
});

afterAll(async () => {
  audit?.close();
  await controller?.process.ensureStopped();
  data.remove();
});

describe('GET /audit/clusters and /audit/clusters/<cluster>', () => {
  it("answers each cluster's desired state exactly as GET /control/clusters answered it at that position", async () => {
    for (const point of Object.keys(at)) {
      const clusters = await api.get(`/audit/clusters?position=${at[point]}`);
      expect({ point, status: clusters.status, body: clusters.body }).toEqual({ point, status: 200, body: { position: at[point], clusters: Object.keys(live[point]) } });
      for (const [cluster, expected] of Object.entries(live[point])) {
        const answer = await api.get(`/audit/clusters/${cluster}?position=${at[point]}`);
        expect({ point, cluster, status: answer.status }).toEqual({ point, cluster, status: 200 });
        expect(answer.body).toEqual(expected);
        expect(answer.headers.get('x-log-position')).toBe(String(at[point]));
      }
    }
    // The history as the agents would have seen it: no router, a router, its port, the port's address gone.
    expect(live.start.default.virtualRouters).toEqual([]);
    expect(live.router.default.virtualRouters.map((r: Json) => [r.virtualRouter.name, r.interfaces.length])).toEqual([['vr-a', 0]]);
    expect(live.port.default.virtualRouters[0].interfaces.map((i: Json) => i.ipAddresses.length)).toEqual([1]);
    expect(live.port.default.vrfs.map((v: Json) => v.name)).toEqual([[...PROJECT, 'red', 'red'].join(':')]);
    expect(live.edge.edge.virtualRouters.map((r: Json) => r.virtualRouter.name)).toEqual(['vr-e']);
    expect(live.ipGone.default.virtualRouters[0].interfaces[0].ipAddresses).toEqual([]);
  });

  it('answers by time: the last position recorded at or before it', async () => {
    const [event] = (await api.get(`/audit/events?after=${at.port - 1}&limit=1`)).body.events;
    const answer = await api.get(`/audit/clusters/default?time=${event.recordedAt}`);
    expect(answer.status).toBe(200);
    const position = Number(answer.headers.get('x-log-position'));
    expect(position).toBeGreaterThanOrEqual(at.port);
    expect(position).toBeLessThan(at.edge);
    const { position: _p, ...state } = answer.body;
    const { position: _q, ...expected } = live.port.default;
    expect(state).toEqual(expected);
  });

  it('is a 404 naming the cluster for one that did not exist then, and a 400 for a bad point', async () => {
    const before = await api.get(`/audit/clusters/edge?position=${at.port}`);
    expect(before.status).toBe(404);
    expect(before.body).toEqual(errorBody(404, `no cluster named "edge" at log position ${at.port}; the clusters then: default`));
    const head = await api.head();
    const cases: Array<[string, number, string]> = [
      ['/audit/clusters/default', 400, 'position (a log position) or time (an ISO 8601 time) is required'],
      ['/audit/clusters', 400, 'position (a log position) or time (an ISO 8601 time) is required'],
      ['/audit/clusters/default?position=-1', 400, 'position must be a log position'],
      [`/audit/clusters/default?position=${head + 100}`, 400, `position ${head + 100} is beyond the head of the log`],
      ['/audit/clusters/default?time=tomorrow', 400, 'time must be an ISO 8601 time'],
      ['/audit/clusters/default?position=1&time=2026-11-26T00:00:00Z', 400, 'give position or time, not both'],
      ['/audit/clusters?position=1&cluster=edge', 400, 'unknown parameter cluster; it takes position, time'],
    ];
    for (const [path, status, message] of cases) {
      const answer = await api.expectNothingWritten(() => api.get(path));
      expect({ path, status: answer.status }).toEqual({ path, status });
      expect(answer.body).toEqual(errorBody(status, message));
    }
  });
});

describe('AuditService.ClustersAt and ClusterAt', () => {
  it('answer what REST answers, the desired state as JSON text', async () => {
    for (const point of ['router', 'edge']) {
      const clusters = await unary<ClustersAtResponse>((m, cb) => audit.clustersAt(ClustersAtRequest.fromPartial({ at: { $case: 'position', value: at[point] } }), m, cb));
      expect(clusters).toEqual({ clusters: Object.keys(live[point]), position: at[point] });
      for (const cluster of clusters.clusters) {
        const request = ClusterAtRequest.fromPartial({ cluster, at: { $case: 'position', value: at[point] } });
        const answer = await unary<ClusterAtResponse>((m, cb) => audit.clusterAt(request, m, cb));
        expect(answer.position).toBe(at[point]);
        expect(JSON.parse(answer.desiredStateJson)).toEqual(live[point][cluster]);
      }
    }
  });

  it('refuses with NOT_FOUND and INVALID_ARGUMENT, naming the problem', async () => {
    const missing = await refusal(() =>
      unary((m, cb) => audit.clusterAt(ClusterAtRequest.fromPartial({ cluster: 'edge', at: { $case: 'position', value: at.router } }), m, cb)),
    );
    expect(missing.code).toBe(GrpcStatus.NOT_FOUND);
    expect(missing.details).toBe(`no cluster named "edge" at log position ${at.router}; the clusters then: default`);
    const noPoint = await refusal(() => unary((m, cb) => audit.clusterAt(ClusterAtRequest.fromPartial({ cluster: 'default' }), m, cb)));
    expect(noPoint.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(noPoint.details).toContain("position or time is required: the point in the log to read the cluster's desired state at");
    const noName = await refusal(() => unary((m, cb) => audit.clusterAt(ClusterAtRequest.fromPartial({ at: { $case: 'position', value: 1 } }), m, cb)));
    expect(noName.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    const badTime = await refusal(() => unary((m, cb) => audit.clustersAt(ClustersAtRequest.fromPartial({ at: { $case: 'time', value: 'soon' } }), m, cb)));
    expect(badTime.code).toBe(GrpcStatus.INVALID_ARGUMENT);
  });
});

describe('verify, per projection, on the real controller', () => {
  it('REST: the config state and the desired state both agree with their rebuild from position 0', async () => {
    const head = await api.head();
    const answer = await api.post('/audit/verify', undefined);
    expect(answer.status).toBe(200);
    expect(answer.body.ok).toBe(true);
    expect(answer.body.projections.map((p: Json) => [p.projection, p.ok, p.position])).toEqual([
      ['config', true, head],
      ['desired-state', true, head],
    ]);
    const [config, desired] = answer.body.projections;
    expect(config).toMatchObject({ liveDigest: answer.body.liveDigest, rebuiltDigest: answer.body.liveDigest, objects: answer.body.objects });
    expect(desired.liveDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(desired.rebuiltDigest).toBe(desired.liveDigest);
    expect(desired.clusters).toBe(2);
    // The control service's own check agrees.
    expect((await api.get('/control/desired-state/verify')).body).toMatchObject({ equal: true, live: desired.liveDigest });
  });

  it('gRPC: Verify lists both projections', async () => {
    const answer = await unary<VerifyResponse>((m, cb) => audit.verify({}, m, cb));
    expect(answer.ok).toBe(true);
    expect(answer.projections.map((p) => [p.projection, p.ok, p.clusters > 0 || p.objects > 0])).toEqual([
      ['config', true, true],
      ['desired-state', true, true],
    ]);
    expect(answer.projections[1].firstDesiredStateDivergence).toBeUndefined();
  });
});

describe('after a restart', () => {
  it('serves at once while the audit engine replays the log in the background, and answers as before', async () => {
    expect((await controller.stop()).code).toBe(0);
    controller = await RunningController.start(data.path, { AUDIT_SNAPSHOT_EVERY: '5' });
    api = controller.api;
    // Asked right after 'listening': answered once the engine is past the position (it waits for it, bounded).
    const answer = await api.get(`/audit/clusters/edge?position=${at.edge}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(live.edge.edge);
    const head = await api.head();
    const caughtUp = await controller.process.waitForLine((l) => l.context === 'AuditEngine' && String(l.msg).startsWith('caught up with the log'));
    expect(caughtUp.msg).toMatch(new RegExp(`^caught up with the log at position ${head} in \\d+ ms, \\d+ snapshots$`));
    // The config projection resumed from its checkpoint, the desired state was derived from it: both still agree.
    const verify = await api.post('/audit/verify', undefined);
    expect(verify.body.projections.map((p: Json) => [p.projection, p.ok])).toEqual([
      ['config', true],
      ['desired-state', true],
    ]);
  });
});
