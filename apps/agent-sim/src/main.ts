// `npm run agent-sim -- [flags]`, or `node dist/apps/agent-sim/src/main.js`: simulated vRouter agents against the
// control service, over gRPC (default) or Tungsten Fabric's XMPP dialect (`--proto xmpp`). `--help` lists the flags
// and exit codes.
import { EXIT, USAGE, UsageError, parseSimArgs } from './cli-args.js';
import { runSim } from './run-sim.js';

function parseOrExit(): ReturnType<typeof parseSimArgs> {
  try {
    return parseSimArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`agent-sim: ${error.message}\nRun with --help for the flags.\n`);
    process.exit(EXIT.usage);
  }
}

const parsed = parseOrExit();
if (parsed.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(EXIT.ok);
}

// The first signal stops the run (sessions are closed cleanly); a second one exits at once.
const abort = new AbortController();
const onSignal = (): void => {
  if (abort.signal.aborted) process.exit(EXIT.failed);
  abort.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runSim(parsed.args, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  signal: abort.signal,
});
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
process.exit(code);
