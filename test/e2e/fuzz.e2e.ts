// The fuzzer as CI runs it: the built `npm run fuzz` entry point (dist/test/fuzz/fuzz-main.js) with a fixed seed
// and a bounded count per target, against a controller of its own. Every finding (a crash, a hang, a 5xx or
// INTERNAL, an unclear error, a refused request that wrote) fails the test with the fuzzer's own report, which
// names the seed and input to replay it (`npm run fuzz -- --seed S --replay target:inputSeed`).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FUZZ_MAIN = fileURLToPath(new URL('../../dist/test/fuzz/fuzz-main.js', import.meta.url));
const SEED = process.env.FUZZ_SEED ?? '20261126';
/** Inputs per target: about 20 s for the four of them on a loaded 2-core machine. */
const COUNT = process.env.FUZZ_COUNT ?? '160';
const TIMEOUT_MS = 55_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function fuzz(args: string[]): Promise<Run> {
  if (!existsSync(FUZZ_MAIN)) throw new Error(`${FUZZ_MAIN} is missing: build first (npm run build; npm test does it)`);
  const child = spawn(process.execPath, [FUZZ_MAIN, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGTERM'), TIMEOUT_MS - 5000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('fuzz (REST, gRPC ConfigService and AgentService, XMPP) with a fixed seed', () => {
  it(`seed ${SEED}, ${COUNT} inputs per target: no finding`, async () => {
    const run = await fuzz(['--seed', SEED, '--count', COUNT, '--json']);
    const summaryLine = run.stdout.trim().split('\n').at(-1) ?? '';
    // On failure the fuzzer's report (table and findings with their replay commands) is the message.
    const report = run.stderr.split('\n').filter((line) => !line.startsWith('fuzz: ')).join('\n');
    expect({ code: run.code, report: run.code === 0 ? '' : report }).toEqual({ code: 0, report: '' });
    const summary = JSON.parse(summaryLine) as { inputs: Record<string, number>; outcomes: Record<string, Record<string, number>>; findings: unknown[] };
    expect(summary.findings).toEqual([]);
    expect(summary.inputs).toEqual({ rest: Number(COUNT), grpc: Number(COUNT), agent: Number(COUNT), xmpp: Number(COUNT) });
    // The inputs reached past the first checks: some were refused as bad, some accepted.
    expect(summary.outcomes.rest).toEqual(expect.objectContaining({ '200': expect.any(Number), '400': expect.any(Number) }));
    expect(summary.outcomes.grpc).toEqual(expect.objectContaining({ OK: expect.any(Number), INVALID_ARGUMENT: expect.any(Number) }));
    process.stderr.write(`${run.stderr.split('\n').filter((line) => /^fuzz seed|^ {2}\w/.test(line)).join('\n')}\n`);
  }, TIMEOUT_MS);

  it('refuses bad arguments with exit code 2 and the usage', async () => {
    const run = await fuzz(['--count', 'many']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--count must be an integer from 1 to 10000000, not "many"');
  });
});
