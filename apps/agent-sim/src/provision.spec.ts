import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { provisionCluster, provisionNetworks, provisionVirtualRouters } from './provision.js';

interface Seen {
  path: string;
  authorization?: string;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A stand-in for the REST API: 409 for names in `existing`, 500 for `broken`, 200 otherwise, after `delayMs`. */
async function fakeApi(existing: string[] = [], broken: string[] = [], delayMs = 0): Promise<{ api: string; seen: Seen[]; maxInFlight: () => number }> {
  const seen: Seen[] = [];
  let inFlight = 0;
  let max = 0;
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      inFlight += 1;
      max = Math.max(max, inFlight);
      const body = JSON.parse(text) as Record<string, { fq_name: string[] }>;
      seen.push({ path: req.url!, body, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      const name = Object.values(body)[0]!.fq_name.at(-1)!;
      const [status, answer] = broken.includes(name)
        ? [500, { message: 'the store is unavailable' }]
        : existing.includes(name)
          ? [409, { message: 'already exists' }]
          : [200, body];
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      }, delayMs);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { api: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, maxInFlight: () => max };
}

describe('provisioning through the REST API', () => {
  it('sends the bearer token of --token-file with every request, and none without it', async () => {
    const { api, seen } = await fakeApi();
    await provisionNetworks({ api, authorization: () => 'Bearer op-token' }, 2);
    await provisionCluster({ api, cluster: 'edge' });
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer op-token', 'Bearer op-token', undefined]);
  });

  it('creates sim-vn-<j> with a /16 on default-network-ipam, reusing what exists', async () => {
    const { api, seen } = await fakeApi(['sim-vn-2']);
    expect(await provisionNetworks({ api }, 3)).toEqual({ created: 2, reused: 1, failed: [] });
    const vn1 = seen.find((s) => s.body['virtual-network'].fq_name[2] === 'sim-vn-1')!;
    expect(vn1.path).toBe('/virtual-networks');
    expect(vn1.body).toEqual({
      'virtual-network': {
        fq_name: ['default-domain', 'default-project', 'sim-vn-1'],
        parent_type: 'project',
        network_ipam_refs: [
          { to: ['default-domain', 'default-project', 'default-network-ipam'], attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.1.0.0', ip_prefix_len: 16 } }] } },
        ],
      },
    });
  });

  it('creates a virtual-router per agent with its address, at most `concurrency` requests at once', async () => {
    const { api, seen, maxInFlight } = await fakeApi([], [], 20);
    const agents = Array.from({ length: 10 }, (_, k) => ({ name: `sim-agent-${k + 1}`, address: `10.255.0.${k + 1}` }));
    expect(await provisionVirtualRouters({ api: `${api}/`, concurrency: 3 }, agents)).toEqual({ created: 10, reused: 0, failed: [] });
    expect(maxInFlight()).toBeLessThanOrEqual(3);
    expect(seen[0]).toEqual({
      path: '/virtual-routers',
      body: { 'virtual-router': { fq_name: ['default-global-system-config', 'sim-agent-1'], parent_type: 'global-system-config', virtual_router_ip_address: '10.255.0.1' } },
    });
  });

  it('creates and references a cluster other than "default"', async () => {
    const { api, seen } = await fakeApi();
    expect(await provisionCluster({ api })).toEqual({ created: 0, reused: 0, failed: [] });
    expect(await provisionCluster({ api, cluster: 'default' })).toEqual({ created: 0, reused: 0, failed: [] });
    expect(await provisionCluster({ api, cluster: 'edge' })).toEqual({ created: 1, reused: 0, failed: [] });
    await provisionVirtualRouters({ api, cluster: 'edge' }, [{ name: 'a', address: '10.255.0.1' }]);
    await provisionNetworks({ api, cluster: 'edge' }, 1);
    expect(seen.map((s) => s.path)).toEqual(['/clusters', '/virtual-routers', '/virtual-networks']);
    expect(seen[0]!.body).toEqual({ cluster: { fq_name: ['default-global-system-config', 'edge'], parent_type: 'global-system-config' } });
    expect(seen[1]!.body['virtual-router'].cluster_refs).toEqual([{ to: ['default-global-system-config', 'edge'] }]);
    expect(seen[2]!.body['virtual-network'].cluster_refs).toEqual([{ to: ['default-global-system-config', 'edge'] }]);
  });

  it('reports failures with the API message and goes on with the rest', async () => {
    const { api } = await fakeApi([], ['sim-vn-1']);
    expect(await provisionNetworks({ api }, 2)).toEqual({
      created: 1,
      reused: 0,
      failed: [{ name: 'sim-vn-1', error: 'POST /virtual-networks answered 500: the store is unavailable' }],
    });
  });

  it('reports an API that does not answer', async () => {
    const { api } = await fakeApi();
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const outcome = await provisionNetworks({ api }, 1);
    expect(outcome.failed).toHaveLength(1);
    expect(outcome.failed[0]!.error).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/virtual-networks failed: connect ECONNREFUSED/);
  });
});
