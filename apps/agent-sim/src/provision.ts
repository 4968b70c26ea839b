// Creates what the simulated agents need in the config (Contrail REST conventions): their virtual-routers and the
// networks whose VRFs they use. What exists already (409) is reused, so a second run provisions nothing new.
import { settleLimited } from './concurrency.js';
import { SIM_DOMAIN, SIM_PROJECT, networkName, networkSubnet } from './sim-plan.js';

const GLOBAL_SYSTEM_CONFIG = 'default-global-system-config';
const DEFAULT_IPAM = [SIM_DOMAIN, SIM_PROJECT, 'default-network-ipam'];
/** The cluster of a virtual-router without cluster_refs. */
export const DEFAULT_CLUSTER = 'default';

export interface ProvisionOptions {
  /** Base URL of the REST config API, e.g. http://127.0.0.1:8082. */
  api: string;
  /** Requests in flight. Default 16. */
  concurrency?: number;
  /** A cluster other than 'default' is created and referenced by the virtual-routers and the networks. */
  cluster?: string;
  /** The Authorization header of every request (`Bearer <token>`), when the config API authenticates callers. */
  authorization?: () => string;
}

export interface ProvisionOutcome {
  created: number;
  reused: number;
  failed: Array<{ name: string; error: string }>;
}

type Body = Record<string, unknown>;

function clusterRefs(cluster: string | undefined): Body {
  return cluster && cluster !== DEFAULT_CLUSTER ? { cluster_refs: [{ to: [GLOBAL_SYSTEM_CONFIG, cluster] }] } : {};
}

/** sim-vn-<j> in default-domain:default-project with the subnet 10.<j>.0.0/16 on default-network-ipam. */
export function networkBody(j: number, cluster?: string): Body {
  const [prefix, len] = networkSubnet(j).split('/');
  return {
    fq_name: [SIM_DOMAIN, SIM_PROJECT, networkName(j)],
    parent_type: 'project',
    network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: prefix, ip_prefix_len: Number(len) } }] } }],
    ...clusterRefs(cluster),
  };
}

export function virtualRouterBody(name: string, address: string, cluster?: string): Body {
  return { fq_name: [GLOBAL_SYSTEM_CONFIG, name], parent_type: 'global-system-config', virtual_router_ip_address: address, ...clusterRefs(cluster) };
}

export function clusterBody(name: string): Body {
  return { fq_name: [GLOBAL_SYSTEM_CONFIG, name], parent_type: 'global-system-config' };
}

/** POST /<type>s: 'created' on 200, 'reused' on 409; anything else throws with the API's message. */
export async function createOrReuse(api: string, type: string, body: Body, authorization?: string): Promise<'created' | 'reused'> {
  const url = `${api.replace(/\/$/, '')}/${type}s`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ [type]: body }),
    });
  } catch (error) {
    // fetch says only "fetch failed"; the cause says why (ECONNREFUSED …).
    const cause = (error as Error & { cause?: Error }).cause;
    throw new Error(`POST ${url} failed: ${cause?.message ?? (error as Error).message}`);
  }
  const text = await res.text();
  if (res.status === 200) return 'created';
  if (res.status === 409) return 'reused';
  let message = text.slice(0, 300);
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    // not JSON: keep the text
  }
  throw new Error(`POST /${type}s answered ${res.status}: ${message}`);
}

async function createAll(options: ProvisionOptions, type: string, items: Array<{ name: string; body: Body }>): Promise<ProvisionOutcome> {
  const results = await settleLimited(items, options.concurrency ?? 16, (item) => createOrReuse(options.api, type, item.body, options.authorization?.()));
  const outcome: ProvisionOutcome = { created: 0, reused: 0, failed: [] };
  results.forEach((r, k) => {
    if (r.status === 'fulfilled') outcome[r.value] += 1;
    else outcome.failed.push({ name: items[k]!.name, error: (r.reason as Error).message });
  });
  return outcome;
}

/** The cluster object, when the agents run in one other than 'default'. */
export async function provisionCluster(options: ProvisionOptions): Promise<ProvisionOutcome> {
  const { cluster } = options;
  if (!cluster || cluster === DEFAULT_CLUSTER) return { created: 0, reused: 0, failed: [] };
  return createAll(options, 'cluster', [{ name: cluster, body: clusterBody(cluster) }]);
}

/** sim-vn-1 … sim-vn-<count>. */
export function provisionNetworks(options: ProvisionOptions, count: number): Promise<ProvisionOutcome> {
  const items = Array.from({ length: count }, (_, k) => ({ name: networkName(k + 1), body: networkBody(k + 1, options.cluster) }));
  return createAll(options, 'virtual-network', items);
}

/** One virtual-router per agent. */
export function provisionVirtualRouters(options: ProvisionOptions, agents: ReadonlyArray<{ name: string; address: string }>): Promise<ProvisionOutcome> {
  const items = agents.map((a) => ({ name: a.name, body: virtualRouterBody(a.name, a.address, options.cluster) }));
  return createAll(options, 'virtual-router', items);
}
