// `npm run cluster:attach -- --name X --kubeconfig F` and `npm run cluster:detach -- --name X` (see CLUSTER_USAGE).
// Exit codes: 0 done; 1 the config API refused or could not be reached; 2 bad arguments or an unreadable kubeconfig.
import { runClusterCli } from './cluster-cli.js';

const code = await runClusterCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  // npm run starts scripts in the package's folder; paths on the command line are the caller's.
  cwd: process.env.INIT_CWD ?? process.cwd(),
  env: process.env,
});
process.exit(code);
