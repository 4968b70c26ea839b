/** Child processes for the XMPP benchmark: the built controller, the raw server, and what /proc says of them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { progress, projectRoot, round } from './measure.js';

/** A node child whose stdout is JSON lines; keeps reading them, and answers waits for a line. */
export class JsonChild {
  readonly child: ChildProcess;
  private readonly waiters: Array<{ pick: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }> = [];
  private readonly recent: string[] = [];
  readonly exited: Promise<void>;

  constructor(script: string, childEnv: Record<string, string>, args: string[] = []) {
    this.child = spawn(process.execPath, [...args, script], { env: { PATH: process.env.PATH ?? '', ...childEnv }, stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGTERM') progress(`${script} exited (code ${code}, signal ${signal}); its last lines:\n${this.recent.join('\n')}`);
    });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      this.recent.push(text.slice(0, 500));
      if (this.recent.length > 20) this.recent.shift();
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      if (typeof line.level === 'number' && line.level >= 50) progress(`child: ${text.slice(0, 300)}`);
      for (const waiter of [...this.waiters]) {
        if (!waiter.pick(line)) continue;
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The next stdout JSON line `pick` accepts; rejects if the process exits first or after `timeoutMs`. */
  next(pick: (line: Record<string, unknown>) => boolean, timeoutMs = 120_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching line from the child within ${timeoutMs} ms`)), timeoutMs);
      const waiter = {
        pick,
        resolve: (line: Record<string, unknown>) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      this.waiters.push(waiter);
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error('the child exited before the line'));
      });
    });
  }

  /** Writes a JSON command line and waits for the answer `pick` accepts. */
  request(command: Record<string, unknown>, pick: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>> {
    const answer = this.next(pick, timeoutMs);
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    return answer;
  }

  /** SIGTERM, then waits for the exit (SIGKILL after 15 s, so the run always ends). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface XmppController {
  process: JsonChild;
  rest: string;
  grpc: string;
  xmpp: string;
}

/** The built all-in-one controller with every port 0; resolves with the addresses of its 'listening' line. */
export async function startXmppController(dataDir: string): Promise<XmppController> {
  const childEnv: Record<string, string> = { REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  for (const name of ['AGENT_WINDOW', 'AGENT_BATCH_ROUTES', 'AGENT_HOLD_TIME_MS']) if (process.env[name]) childEnv[name] = process.env[name]!;
  const process_ = new JsonChild(join(projectRoot, 'dist/apps/controller/src/main.js'), childEnv);
  const line = await process_.next((l) => l.msg === 'listening' && typeof l.rest === 'string', 60_000);
  if (typeof line.xmpp !== 'string' || !/:\d+$/.test(line.xmpp)) {
    await process_.stop();
    throw new Error(`the controller's listening line names no bound XMPP address (xmpp: ${JSON.stringify(line.xmpp)}): is the XMPP bridge built in?`);
  }
  return { process: process_, rest: line.rest as string, grpc: line.grpc as string, xmpp: line.xmpp };
}

/** The controller's unlabelled /metrics series. */
export async function metrics(rest: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${rest}/metrics`)).text();
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\s+(\S+)$/.exec(line);
    if (match) values[match[1]!] = Number(match[2]);
  }
  return values;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Resident set size in bytes, from /proc (Linux); undefined elsewhere. */
export function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The lowest of `samples` readings 400 ms apart (no GC is forced, so the lowest is the closest to what is live). */
export async function lowest(read: () => Promise<number | undefined> | number | undefined, samples = 5): Promise<number | undefined> {
  let best: number | undefined;
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(400);
    const value = await read();
    if (value !== undefined && (best === undefined || value < best)) best = value;
  }
  return best;
}

/** Measures the CPU share (1 = one core busy) of the bench process and of a child over an interval. */
export function cpuMeter(pid: number | undefined): () => { bench: number; server: number | undefined } {
  const t0 = performance.now();
  const bench0 = process.cpuUsage();
  const child0 = cpuSecondsOf(pid);
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const bench = process.cpuUsage(bench0);
    const child1 = cpuSecondsOf(pid);
    return {
      bench: round((bench.user + bench.system) / 1e6 / seconds, 2),
      server: child0 === undefined || child1 === undefined ? undefined : round((child1 - child0) / seconds, 2),
    };
  };
}
