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
