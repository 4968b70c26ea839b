/** Small helpers shared by the benchmarks: timing, percentiles, result files, a plain table. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, both from bench/*.ts under ts and from dist/bench/*.js. */
export const projectRoot = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${'/dist/'}`) ? resolve(here, '../../..') : resolve(here, '../..');
})();

/** A benchmark's numeric setting from its environment variable, or `fallback`; a negative or non-number stops the run. */
export function benchSetting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${process.env[name]}`);
  return value;
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Latencies in ms → percentile (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export interface Measurement {
  /** Items per second (events, routes, ports …). */
  perSecond: number;
  count: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

/** Summarises a run: `count` items in `seconds`, with one latency sample per operation. */
export function summarise(count: number, seconds: number, latencies: number[]): Measurement {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    perSecond: Math.round(count / seconds),
    count,
    seconds: round(seconds, 3),
    p50Ms: round(percentile(sorted, 50), 3),
    p99Ms: round(percentile(sorted, 99), 3),
  };
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export interface Row {
  scenario: string;
  ours: Measurement;
  baseline: Measurement;
  /** ours.perSecond / baseline.perSecond */
  ratio: number;
  /** The bar this scenario must reach, in words, and whether it did. */
  bar?: string;
  met?: boolean;
}

export function row(scenario: string, ours: Measurement, baseline: Measurement, bar?: { text: string; met: boolean }): Row {
  return { scenario, ours, baseline, ratio: round(ours.perSecond / baseline.perSecond, 3), bar: bar?.text, met: bar?.met };
}

export function printTable(title: string, rows: Row[]): void {
  const head = ['scenario', 'ours/s', 'p50 ms', 'p99 ms', 'raw/s', 'raw p99', 'ratio', 'bar'];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.ours.perSecond),
    String(r.ours.p50Ms),
    String(r.ours.p99Ms),
    String(r.baseline.perSecond),
    String(r.baseline.p99Ms),
    r.ratio.toFixed(2),
    r.bar ? `${r.met ? 'MET' : 'MISSED'} (${r.bar})` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`\n${title}\n${fmt(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const l of lines) process.stdout.write(`${fmt(l)}\n`);
}

/** Writes bench/results/<name>.json with the machine it ran on, and prints the JSON on one line. */
export function writeResults(name: string, body: Record<string, unknown>): string {
  const file = join(projectRoot, 'bench', 'results', `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  const doc = {
    benchmark: name,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version },
    ...body,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(doc)}\n`);
  return file;
}

/** Prints a progress line to stderr, so long runs show they are alive. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
}

/** One round of pushing COUNT routes to every agent: its time, each agent's latency, and CPU shares. */
export interface FanoutRound {
  seconds: number;
  perAgentMs: number[];
  cpu: { bench: number; server: number | undefined };
}

/** The median of fan-out rounds, as the control and XMPP benchmarks report them. */
export interface FanoutMeasurement extends Measurement {
  rounds: number[];
  cpu: Array<FanoutRound['cpu']>;
  /** Median CPU time per route delivered to one agent (µs): of the server child, and of the bench process (the clients). */
  cpuMicrosPerRoute: { server: number | undefined; clients: number };
}

export function fanoutMeasurement(rounds: readonly FanoutRound[], count: number): FanoutMeasurement {
  const rates = rounds.map((r) => count / r.seconds);
  const perRoute = (share: number | undefined, seconds: number) => (share === undefined ? undefined : (share * seconds * 1e6) / count);
  const serverMicros = rounds.map((r) => perRoute(r.cpu.server, r.seconds));
  const latencies = rounds.flatMap((r) => r.perAgentMs).sort((a, b) => a - b);
  return {
    perSecond: Math.round(median(rates)),
    count,
    seconds: round(median(rounds.map((r) => r.seconds)), 3),
    p50Ms: round(percentile(latencies, 50), 1),
    p99Ms: round(percentile(latencies, 99), 1),
    rounds: rates.map((r) => Math.round(r)),
    cpu: rounds.map((r) => r.cpu),
    cpuMicrosPerRoute: {
      server: serverMicros.every((m) => m !== undefined) ? round(median(serverMicros as number[]), 2) : undefined,
      clients: round(median(rounds.map((r) => perRoute(r.cpu.bench, r.seconds)!)), 2),
    },
  };
}
