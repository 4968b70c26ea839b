/**
 * bench/config-api: ports per second on the all-in-one controller over real HTTP. A port is what a CNI plugin or
 * kube-manager creates per pod: a virtual-machine-interface, then an instance-ip on it (address allocated from the
 * network's subnet). CLIENTS concurrent loops, each creating ports for SECONDS.
 * Raw baseline in the same run: node:http + JSON.parse + one durable SQLite insert per request, same two POSTs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonChild, startBuiltController } from './support/json-child.js';
import { nowMs, printTable, progress, projectRoot, row, summarise, writeResults, type Measurement } from './support/measure.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, Record<string, unknown>> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST ${url} → ${res.status}: ${text}`);
  return { status: res.status, json: JSON.parse(text) };
}

/** Runs CLIENTS loops creating ports for SECONDS; returns ports/s and per-write latency. */
async function createPorts(base: string, network: string[], label: string): Promise<Measurement> {
  const latencies: number[] = [];
  let ports = 0;
  let errors = 0;
  const started = nowMs();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = 0; nowMs() < deadline; i++) {
        const name = `${label}-${c}-${i}`;
        try {
          let t = nowMs();
          const vmi = await post(`${base}/virtual-machine-interfaces`, {
            'virtual-machine-interface': { uuid: null, fq_name: ['default-domain', 'default-project', name], parent_type: 'project', virtual_network_refs: [{ to: network }] },
          });
          latencies.push(nowMs() - t);
          t = nowMs();
          await post(`${base}/instance-ips`, {
            'instance-ip': {
              uuid: null,
              fq_name: [name],
              virtual_network_refs: [{ to: network }],
              virtual_machine_interface_refs: [{ uuid: vmi.json['virtual-machine-interface'].uuid, to: ['default-domain', 'default-project', name] }],
            },
          });
          latencies.push(nowMs() - t);
          ports++;
        } catch (error) {
          errors++;
          if (errors <= 3) progress(`${label}: ${String(error)}`);
        }
      }
    }),
  );
  const m = summarise(ports, (nowMs() - started) / 1000, latencies);
  if (errors > 0) progress(`${label}: ${errors} failed ports`);
  return m;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-config-api-'));
  const children: JsonChild[] = [];
  try {
    progress('starting the all-in-one controller on SQLite');
    const controller = await startBuiltController(join(dir, 'controller'));
    children.push(controller.process);
    const network = ['default-domain', 'default-project', 'bench-net'];
    await post(`${controller.rest}/virtual-networks`, {
      'virtual-network': {
        fq_name: network,
        parent_type: 'project',
        network_ipam_refs: [{ to: ['default-domain', 'default-project', 'default-network-ipam'], attr: { ipam_subnets: [{ subnet: { ip_prefix: '10.128.0.0', ip_prefix_len: 10 } }] } }],
      },
    });
    progress(`ours: ${CLIENTS} clients creating ports (VMI + instance-ip) for ${SECONDS}s`);
    const ours = await createPorts(controller.rest, network, 'ours');

    progress('starting the raw baseline server');
    const raw = new JsonChild(join(projectRoot, 'dist/bench/support/raw-http-sqlite-server.js'), {}, [], [dir]);
    children.push(raw);
    const rawBase = `http://127.0.0.1:${(await raw.next((line) => typeof line.port === 'number', 60_000)).port as number}`;
    progress(`raw: ${CLIENTS} clients, the same two POSTs per port, for ${SECONDS}s`);
    const baseline = await createPorts(rawBase, network, 'raw');

    const rows = [row('ports/s over HTTP (VMI + instance-ip)', ours, baseline, { text: '>= 1,000 ports/s', met: ours.perSecond >= 1000 })];
    printTable(`config-api (${CLIENTS} clients, ${SECONDS}s each; latency per write)`, rows);
    writeResults('config-api', { seconds: SECONDS, clients: CLIENTS, writeP99Ms: ours.p99Ms, rows });
  } finally {
    for (const child of children) await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
