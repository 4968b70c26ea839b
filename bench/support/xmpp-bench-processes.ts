/** Child processes for the XMPP benchmark: the built controller, the raw server, and what /proc says of them. */
import { readFileSync } from 'node:fs';
import { startBuiltController, type JsonChild } from './json-child.js';
import { round } from './measure.js';

export interface XmppController {
  process: JsonChild;
  rest: string;
  grpc: string;
  xmpp: string;
}

/** The built all-in-one controller with every port 0; resolves with the addresses of its 'listening' line. */
export async function startXmppController(dataDir: string): Promise<XmppController> {
  const controller = await startBuiltController(dataDir, { passEnv: ['AGENT_WINDOW', 'AGENT_BATCH_ROUTES', 'AGENT_HOLD_TIME_MS'] });
  if (controller.xmpp === undefined || !/:\d+$/.test(controller.xmpp)) {
    await controller.process.stop();
    throw new Error(`the controller's listening line names no bound XMPP address (xmpp: ${JSON.stringify(controller.xmpp)}): is the XMPP bridge built in?`);
  }
  return { process: controller.process, rest: controller.rest, grpc: controller.grpc, xmpp: controller.xmpp };
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
