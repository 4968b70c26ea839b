// The central cluster's deployment on loopback (DESIGN §1, multi-cluster): the config API and the control replicas,
// each its own process built in dist, on one PostgreSQL database of their own on the test run's throwaway server.
//
// To add a process to the set (one kubemanager per workload cluster, say), start it with `startService(name, main,
// env)`: it gets its own DATA_DIR, the store's variables, ports 0, and is stopped at teardown; `restart` brings it
// back on the same ports. `configApi.rest` is the URL other processes reach the config API at.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { RedundantAgent } from '#apps/agent-sim';
import { ConfigApi } from '../config-api-support.js';
import { CONTROL_MAIN, ControllerProcess, type Exit, type LogLine } from '../controller-process.js';

/** The config API on its own. */
export const CONFIG_API_MAIN = fileURLToPath(new URL('../../../dist/apps/config-api/src/main.js', import.meta.url));
/** One workload cluster's kubemanager: `startService('kubemanager-<cluster>', KUBEMANAGER_MAIN, {KUBEMANAGER_CLUSTER …})`. */
export const KUBEMANAGER_MAIN = fileURLToPath(new URL('../../../dist/apps/kubemanager/src/main.js', import.meta.url));
export { CONTROL_MAIN };

/** Every process of the set is told to finish within this on SIGTERM, so a stop never holds a test long. */
const SHUTDOWN_TIMEOUT_MS = '2000';

/** One process of the set and the addresses its 'listening' line gave. */
export interface Service {
  readonly name: string;
  readonly process: ControllerProcess;
  readonly listening: LogLine;
  /** Base URL of its REST port. */
  readonly rest: string;
  /** host:port of its gRPC port, when it has one. */
  readonly grpc: string | undefined;
  /** host:port of its XMPP bridge, when it has one. */
  readonly xmpp: string | undefined;
}

interface ServiceRecord {
  main: string;
  env: Record<string, string>;
  dataDir: string;
  service: Service | undefined;
  /** Its process has exited (it may be restarted). */
  exited: boolean;
}

export interface MicroservicesOptions {
  /** The server's URL (PG_TEST_URL): a database of the set's own is created on it and dropped at teardown. */
  postgresUrl: string;
  /** Control processes, named control-1 … control-N. Default 2. */
  controlReplicas?: number;
  /** More environment for every process of the set. */
  env?: Record<string, string>;
  /** More environment for the control processes only (AGENT_HOLD_TIME_MS …). */
  controlEnv?: Record<string, string>;
}

/**
 * The processes of the central cluster, started together and torn down together. Tests reach each by name:
 * `service('config-api')`, `control(1)` …
 */
export class Microservices {
  private readonly records = new Map<string, ServiceRecord>();
  private torn = false;

  private constructor(
    private readonly admin: pg.Client,
    readonly database: string,
    /** STORE and DATABASE_URL of the set's database. */
    readonly storeEnv: Readonly<Record<string, string>>,
    private readonly sharedEnv: Readonly<Record<string, string>>,
  ) {}

  /** Creates the database, then starts the config API and the control replicas in parallel. */
  static async start(options: MicroservicesOptions): Promise<Microservices> {
    const database = `microservices_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: options.postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(options.postgresUrl);
    url.pathname = `/${database}`;
    const set = new Microservices(admin, database, { STORE: 'postgres', DATABASE_URL: url.toString() }, options.env ?? {});
    try {
      const replicas = Array.from({ length: options.controlReplicas ?? 2 }, (_, k) => set.startService(`control-${k + 1}`, CONTROL_MAIN, { XMPP_PORT: '0', ...options.controlEnv }));
      await Promise.all([set.startService('config-api', CONFIG_API_MAIN), ...replicas]);
      return set;
    } catch (error) {
      await set.teardown();
      throw error;
    }
  }

  get configApi(): Service {
    return this.service('config-api');
  }

  /** The config API's Contrail REST API. */
  get api(): ConfigApi {
    return new ConfigApi(this.configApi.rest);
  }

  /** Control replica `n` (1-based), as it runs now. */
  control(n: number): Service {
    return this.service(`control-${n}`);
  }

  /** The control replicas' gRPC addresses, in order: what an agent with a session to each is given. */
  get controlEndpoints(): string[] {
    return [...this.records.keys()].filter((name) => name.startsWith('control-')).map((name) => this.service(name).grpc!);
  }

  service(name: string): Service {
    const service = this.records.get(name)?.service;
    if (!service) throw new Error(`no running service named ${name}`);
    return service;
  }

  /**
   * Starts `main` as process `name` on the set's store, with its own DATA_DIR and ports 0 unless `env` says
   * otherwise; resolves on its 'listening' line.
   */
  async startService(name: string, main: string, env: Record<string, string> = {}): Promise<Service> {
    if (this.records.has(name)) throw new Error(`a service named ${name} is already in the set`);
    const record: ServiceRecord = {
      main,
      env: { REST_PORT: '0', GRPC_PORT: '0', SHUTDOWN_TIMEOUT_MS, ...this.sharedEnv, ...this.storeEnv, ...env },
      dataDir: mkdtempSync(join(tmpdir(), `contrail-${name}-`)),
      service: undefined,
      exited: false,
    };
    this.records.set(name, record);
    return this.launch(name, record, {});
  }

  /** Sends `signal` to the process and answers how it exited. */
  async stop(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    const { process: child } = this.service(name);
    child.kill(signal);
    return child.exited;
  }

  /** Starts a stopped process again with the same environment, DATA_DIR and ports, as a restarted pod would be. */
  async restart(name: string): Promise<Service> {
    const record = this.records.get(name);
    if (!record?.service) throw new Error(`no service named ${name}`);
    if (!record.exited) throw new Error(`${name} is still running`);
    return this.launch(name, record, pinnedPorts(record.service.listening));
  }

  /** Stops every process (SIGKILL: the data goes anyway), drops the database, removes the data directories. */
  async teardown(): Promise<void> {
    if (this.torn) return;
    this.torn = true;
    await Promise.all([...this.records.values()].map((record) => record.service?.process.ensureStopped()));
    for (const record of this.records.values()) rmSync(record.dataDir, { recursive: true, force: true });
    await this.admin.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`).catch(() => undefined);
    await this.admin.end();
  }

  private async launch(name: string, record: ServiceRecord, overrides: Record<string, string>): Promise<Service> {
    const child = new ControllerProcess({ ...record.env, ...overrides, DATA_DIR: record.dataDir }, record.main);
    record.exited = false;
    void child.exited.then(() => (record.exited = true));
    let listening: LogLine;
    try {
      listening = await child.waitForLine((line) => line.msg === 'listening');
    } catch (error) {
      await child.ensureStopped();
      throw new Error(`${name} did not start: ${(error as Error).message}`);
    }
    const service: Service = {
      name,
      process: child,
      listening,
      rest: listening.rest as string,
      grpc: listening.grpc as string | undefined,
      xmpp: listening.xmpp as string | undefined,
    };
    record.service = service;
    return service;
  }
}

/** REST_PORT, GRPC_PORT and XMPP_PORT as a process bound them, to bind them again. */
function pinnedPorts(listening: LogLine): Record<string, string> {
  const ports: Record<string, string> = {};
  const portOf = (address: unknown) => String(address).split(':').at(-1)!;
  if (typeof listening.rest === 'string') ports.REST_PORT = portOf(listening.rest);
  if (typeof listening.grpc === 'string') ports.GRPC_PORT = portOf(listening.grpc);
  if (typeof listening.xmpp === 'string') ports.XMPP_PORT = portOf(listening.xmpp);
  return ports;
}

/**
 * Watches that every agent holds, in `vrf`, every prefix `expected` lists for it (read at each check), on every change
 * of any agent and every 10 ms, until stopped; answers the first time one was missing, if any.
 */
export function watchHeld(
  agents: readonly RedundantAgent[],
  vrf: string,
  expected: () => ReadonlyMap<RedundantAgent, readonly string[]>,
): { stop(): string | undefined } {
  let missing: string | undefined;
  const check = (): void => {
    if (missing) return;
    for (const [agent, prefixes] of expected()) {
      const absent = prefixes.find((prefix) => !agent.table(vrf).has(prefix));
      if (absent) missing = `${agent.name} lost ${absent} (live sessions: ${agent.liveControls.join(', ') || 'none'})`;
    }
  };
  for (const agent of agents) agent.on('change', check);
  const timer = setInterval(check, 10);
  check();
  return {
    stop() {
      clearInterval(timer);
      for (const agent of agents) agent.off('change', check);
      check();
      return missing;
    },
  };
}
