// The config API's limits on the built controller, over real HTTP and gRPC: REST_BODY_LIMIT_BYTES,
// GRPC_MAX_MESSAGE_BYTES, LIST_MAX_PAGE and LIST_MAX_UNPAGED. Each is hit: the error says what and which setting,
// contrail_limit_hits_total moves for that limit only, nothing is written, and the API answers alike afterwards.
import { credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { ConfigServiceClient, CreateRequest, ListRequest, type CreateResponse, type ListResponse } from '#libs/proto';
import { ControllerProcess } from './controller-process.js';
import { RunningController, errorBody, tempDataDir, type ConfigApi } from './config-api-support.js';
import { CONFIG_API_MAIN } from './support/microservices.js';

const PROJECT = ['default-domain', 'default-project'];
const LIMITS = { REST_BODY_LIMIT_BYTES: 65_536, GRPC_MAX_MESSAGE_BYTES: 16_384, LIST_MAX_PAGE: 5, LIST_MAX_UNPAGED: 10 };

type Callback<T> = (error: ServiceError | null, response: T) => void;
function unary<T>(start: (metadata: Metadata, callback: Callback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => start(new Metadata(), (error, response) => (error ? reject(error) : resolve(response))));
}

/** contrail_limit_hits_total by limit, from GET /metrics. */
async function limitHits(api: ConfigApi): Promise<Record<string, number>> {
  const text = await (await fetch(`${api.base}/metrics`)).text();
  const hits: Record<string, number> = {};
  for (const match of text.matchAll(/^contrail_limit_hits_total\{limit="([a-z_]+)"\} (\d+)$/gm)) hits[match[1]!] = Number(match[2]);
  return hits;
}

describe('config API limits', () => {
  const dir = tempDataDir();
  let controller: RunningController;
  let api: ConfigApi;
  let client: ConfigServiceClient;
  let baseline: Record<string, number>;

  /** What moved on contrail_limit_hits_total since the last call. */
  async function hitsSince(): Promise<Record<string, number>> {
    const now = await limitHits(api);
    const moved = Object.fromEntries(Object.entries(now).filter(([limit, n]) => n !== (baseline[limit] ?? 0)).map(([limit, n]) => [limit, n - (baseline[limit] ?? 0)]));
    baseline = now;
    return moved;
  }

  beforeAll(async () => {
    controller = await RunningController.start(dir.path, Object.fromEntries(Object.entries(LIMITS).map(([k, v]) => [k, String(v)])));
    api = controller.api;
    const listening = controller.process.lines.find((line) => line.msg === 'listening')!;
    client = new ConfigServiceClient(listening.grpc as string, credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
    for (let i = 0; i < 11; i++) await api.create('virtual-network', { fq_name: [...PROJECT, `limits-${i}`], parent_type: 'project' });
    baseline = await limitHits(api);
  });

  afterAll(async () => {
    client?.close();
    await controller?.stop();
    dir.remove();
  });

  it('shows every limit it enforces on /metrics from the start', () => {
    expect(Object.keys(baseline).sort()).toEqual(
      expect.arrayContaining(['grpc_message_bytes', 'list_page_limit', 'list_unpaged', 'rest_body_bytes', 'agent_connect_rate', 'xmpp_stanza_bytes']),
    );
    expect(Object.values(baseline).every((n) => n === 0)).toBe(true);
  });

  describe('LIST_MAX_UNPAGED', () => {
    it('refuses an unpaged list longer than the limit with a 413 that says to page, over REST and list-bulk-collection', async () => {
      const message =
        'this list of virtual-network would answer 11 objects, more than the 10 a list answers without paging (LIST_MAX_UNPAGED): ' +
        'ask for pages with page_limit (up to 5) and page_marker, or for count=true';
      const res = await api.expectNothingWritten(() => api.get('/virtual-networks?detail=true'));
      expect(res).toMatchObject({ status: 413, body: errorBody(413, message) });
      expect(res.body.message).toBe(message);
      const bulk = await api.post('/list-bulk-collection', { type: 'virtual-network' });
      expect(bulk.status).toBe(413);
      expect(bulk.body.message).toBe(message);
      expect(await hitsSince()).toEqual({ list_unpaged: 2 });
    });

    it('refuses it over gRPC List with RESOURCE_EXHAUSTED and the same words', async () => {
      const error = await unary<ListResponse>((m, cb) => client.list(ListRequest.fromPartial({ type: 'virtual-network' }), m, cb)).catch((e: ServiceError) => e);
      expect(error).toMatchObject({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: expect.stringContaining('more than the 10 a list answers without paging (LIST_MAX_UNPAGED)') });
      expect(await hitsSince()).toEqual({ list_unpaged: 1 });
    });

    it('answers count=true, a selection within the limit, and every page', async () => {
      expect((await api.get('/virtual-networks?count=true')).body).toEqual({ 'virtual-networks': { count: 11 } });
      const selected = await api.get(`/virtual-networks?fields=display_name&filters=display_name==${JSON.stringify('limits-3')}`);
      expect(selected.status).toBe(200);
      expect(selected.body['virtual-networks']).toHaveLength(1);
      const names: string[] = [];
      let marker: string | null = null;
      do {
        const page = await api.get(`/virtual-networks?page_limit=5${marker ? `&page_marker=${marker}` : ''}`);
        expect(page.status).toBe(200);
        names.push(...page.body['virtual-networks'].map((vn: { fq_name: string[] }) => vn.fq_name[2]));
        marker = page.body.marker;
      } while (marker);
      expect(names.filter((n) => n.startsWith('limits-'))).toHaveLength(11);
      expect(await hitsSince()).toEqual({});
    });
  });

  describe('LIST_MAX_PAGE', () => {
    it('refuses a larger page_limit with a 400 naming the setting, and counts it; a malformed one is no limit hit', async () => {
      const res = await api.get('/virtual-networks?page_limit=6');
      expect(res).toMatchObject({ status: 400, body: errorBody(400, 'page_limit') });
      expect(res.body.message).toBe('page_limit must be an integer from 1 to 5 (LIST_MAX_PAGE), not "6"');
      expect((await api.get('/virtual-networks?page_limit=five')).status).toBe(400);
      expect(await hitsSince()).toEqual({ list_page_limit: 1 });
    });
  });

  describe('REST_BODY_LIMIT_BYTES', () => {
    it('refuses a larger body with a 413 naming the limit and the setting, writes nothing, and counts it', async () => {
      const res = await api.expectNothingWritten(() => api.postBytes('/projects', LIMITS.REST_BODY_LIMIT_BYTES + 1024));
      expect(res).toEqual({ status: 413, body: errorBody(413, 'the request body is larger than the limit of 65536 bytes (REST_BODY_LIMIT_BYTES)') });
      expect(res.body.message).toBe('the request body is larger than the limit of 65536 bytes (REST_BODY_LIMIT_BYTES)');
      expect(await hitsSince()).toEqual({ rest_body_bytes: 1 });
    });
  });

  describe('GRPC_MAX_MESSAGE_BYTES', () => {
    const create = (displayName: string): Promise<CreateResponse> =>
      unary<CreateResponse>((m, cb) =>
        client.create(
          CreateRequest.fromPartial({ type: 'project', objectJson: JSON.stringify({ project: { fq_name: ['default-domain', `big-${displayName.length}`], display_name: displayName } }) }),
          m,
          cb,
        ),
      );

    it('refuses a larger request message with RESOURCE_EXHAUSTED naming the size, the limit and the setting; nothing is written', async () => {
      const error = await api.expectNothingWritten(() => create('x'.repeat(20_000)).catch((e: ServiceError) => e));
      expect(error).toMatchObject({
        code: GrpcStatus.RESOURCE_EXHAUSTED,
        details: expect.stringMatching(/^the request message of \d+ bytes is larger than the limit of 16384 bytes \(GRPC_MAX_MESSAGE_BYTES\)$/),
      });
      expect(await hitsSince()).toEqual({ grpc_message_bytes: 1 });
    });

    it('serves a message within the limit on the same channel afterwards', async () => {
      const created = await create('y'.repeat(10_000));
      expect(created.uuid).toMatch(/^[0-9a-f-]{36}$/);
      expect(await hitsSince()).toEqual({});
    });
  });
});

describe('config API process: the limits\' variables', () => {
  it('refuses bad values with exit code 2, naming each', async () => {
    const process = new ControllerProcess(
      { REST_PORT: '0', GRPC_PORT: '0', GRPC_MAX_MESSAGE_BYTES: '4MiB', LIST_MAX_PAGE: '0', LIST_MAX_UNPAGED: '-1' },
      CONFIG_API_MAIN,
    );
    try {
      expect(await process.exited).toEqual({ code: 2, signal: null });
      expect(process.stderr).toContain('GRPC_MAX_MESSAGE_BYTES="4MiB" is not allowed: expected an integer from 1024 to 1073741824 (bytes)');
      expect(process.stderr).toContain('LIST_MAX_PAGE="0" is not allowed: expected an integer from 1 to 1000000 (objects per page)');
      expect(process.stderr).toContain('LIST_MAX_UNPAGED="-1" is not allowed');
    } finally {
      await process.ensureStopped();
    }
  });
});
