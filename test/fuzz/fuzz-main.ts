// `npm run fuzz -- --seed S --count N --minutes M`: fuzzes a built all-in-one controller of its own (REST, gRPC
// ConfigService, gRPC AgentService, XMPP) and prints progress on stderr, then a summary: inputs per target,
// outcomes by status, and each finding with the seed and input to replay it. Exit 0: no findings; 1: findings;
// 2: bad arguments.
import { parseFuzzOptions, UsageError } from './fuzz-options.js';
import { runFuzz } from './fuzz-run.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseFuzzOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const limits = [options.count === Infinity ? undefined : `${options.count} inputs per target`, options.minutes === Infinity ? undefined : `${options.minutes} min`];
  log(`fuzz: seed ${options.seed}, targets ${options.targets.join(', ')}, ${limits.filter(Boolean).join(' or ')}`);
  const report = await runFuzz(options, log);
  log(report.text());
  if (options.json) process.stdout.write(`${JSON.stringify(report.summary())}\n`);
  return report.findings.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`fuzz failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
