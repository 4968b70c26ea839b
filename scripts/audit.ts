// `npm run audit -- <command> [flags]`, or `node dist/scripts/audit.js <command> [flags]`: the audit CLI
// (apps/config-api/src/audit/cli). `--help` lists the commands, the environment and the exit codes.
import 'reflect-metadata';
import { runAuditCli } from '#apps/config-api';

// A reader that stops early (`audit log | head`) closes the pipe: that is the end of the output, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await runAuditCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
// Flush what is still buffered for a pipe, then exit: no handle left open by a store client keeps the process up.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
process.exit(code);
