import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigApiClient, ConfigApiError, type Json } from '../config-client/config-api-client.js';
import { BearerTokenFile } from '#libs/security';
import { EnvReader, clientTlsOf, type ClientTlsConfig } from '#libs/config';
import { API_TOKENS_KEY, API_TOKENS_SECRET, TOKEN_LINE_FILE, clientTlsSecretName, kubemanagerManifests, tokenOfLineFile } from '../deploy/kubemanager-manifests.js';
import { loadKubeConfig } from '../kube/kube-api.js';
import { purgeClusterObjects } from '../runtime/purge-cluster.js';
import { CLUSTER_USAGE, parseClusterCliArgs, type AttachArgs, type ClusterCliArgs, type ClusterCliTls, type DetachArgs } from './cluster-cli-args.js';

export interface ClusterCliIo {
  out(line: string): void;
  err(line: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
}

const GSC = 'default-global-system-config';

/** Runs the CLI; answers the exit code. */
export async function runClusterCli(argv: readonly string[], io: ClusterCliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(CLUSTER_USAGE);
    return 0;
  }
  let args: ClusterCliArgs;
  try {
    args = parseClusterCliArgs(argv, io.env);
  } catch (error) {
    io.err(`cluster: ${(error as Error).message}\n${CLUSTER_USAGE}`);
    return 2;
  }
  let token: BearerTokenFile | undefined;
  try {
    token = args.tokenFile === undefined ? undefined : new BearerTokenFile(resolve(io.cwd, args.tokenFile));
  } catch (error) {
    io.err(`cluster: ${(error as Error).message}`);
    return 2;
  }
  const { tls, problems } = args.tls ? readCliTls(args.tls, io.cwd) : { tls: undefined, problems: [] };
  if (problems.length > 0) {
    io.err(`cluster: ${problems.join('; ')}`);
    return 2;
  }
  const client = new ConfigApiClient({
    address: args.configApi,
    actor: `cluster-cli:${args.name}`,
    deadlineMs: 15_000,
    authorization: token && (() => token.authorization()),
    ...(tls ? { tls: tls.material } : {}),
  });
  try {
    return args.command === 'attach' ? await attach(args, client, io) : await detach(args, client, io);
  } catch (error) {
    const unreachable = error instanceof ConfigApiError && error.transient;
    io.err(`cluster ${args.command}: ${unreachable ? `the config API at ${args.configApi} is not reachable (${(error as Error).message})` : (error as Error).message}`);
    return 1;
  } finally {
    client.close();
  }
}

async function attach(args: AttachArgs, client: ConfigApiClient, io: ClusterCliIo): Promise<number> {
  const kubeconfigPath = resolve(io.cwd, args.kubeconfig);
  let kubeconfigText: string;
  try {
    loadKubeConfig(kubeconfigPath);
    kubeconfigText = readFileSync(kubeconfigPath, 'utf8');
  } catch (error) {
    io.err(`cluster attach: ${(error as Error).message}`);
    return 2;
  }
  const namespace = args.namespace ?? 'contrail';
  const kubeconfigRef = args.inProcess ? kubeconfigPath : `secret:${namespace}/kubemanager-${args.name}-kubeconfig`;
  const fields: Json = { cluster_attached: true, cluster_kubeconfig_ref: kubeconfigRef };
  if (args.podSubnets) fields.cluster_pod_subnets = args.podSubnets;
  if (args.serviceSubnets) fields.cluster_service_subnets = args.serviceSubnets;
  await client.waitForReady(10_000);
  const uuid = await client.uuidOf('cluster', [GSC, args.name]);
  if (uuid) await client.update('cluster', uuid, fields);
  else await client.create('cluster', { fq_name: [GSC, args.name], parent_type: 'global-system-config', ...fields });
  io.out(`cluster ${args.name}: ${uuid ? 'attached again' : 'attached'} (cluster_kubeconfig_ref ${kubeconfigRef})`);
  if (args.inProcess) {
    io.out('the all-in-one controller now runs its kubemanager');
    return 0;
  }
  const out = resolve(io.cwd, args.out);
  const lineFile = join(out, TOKEN_LINE_FILE);
  // Attaching again keeps the kubemanager's token, whose line the config API already has; a new cluster gets a
  // random one (256 bits, base64url).
  const kept = existsSync(lineFile) ? tokenOfLineFile(readFileSync(lineFile, 'utf8'), args.name) : undefined;
  const token = kept ?? randomBytes(32).toString('base64url');
  // A CLI that reached the config API over TLS means its gRPC serves TLS: the kubemanager must use it too, and
  // present a certificate of its own when the CLI had to.
  const configApiTls = args.tls ? { configApiTls: { clientCertificate: args.tls.cert !== undefined } } : {};
  const files = kubemanagerManifests({ cluster: args.name, kubeconfig: kubeconfigText, image: args.image, namespace, configApiGrpc: undefined, token, ...configApiTls });
  for (const file of files) {
    const path = join(out, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content, { mode: 0o600 });
    io.out(`wrote ${path}`);
  }
  io.out(
    kept
      ? `kept the config API token of kubemanager:${args.name} from ${lineFile} (delete that file and attach again for a new one)`
      : `a new config API token for kubemanager:${args.name}: add the line of ${lineFile} to the config API's token file (Secret ${API_TOKENS_SECRET}, key ${API_TOKENS_KEY}) before applying`,
  );
  if (args.tls?.cert !== undefined) {
    io.out(`the kubemanager presents the client certificate of Secret ${clientTlsSecretName(args.name)} (tls.crt, tls.key): create it in namespace ${namespace}`);
  }
  io.out(`apply on the central cluster: kubectl apply -k ${args.out}`);
  return 0;
}

async function detach(args: DetachArgs, client: ConfigApiClient, io: ClusterCliIo): Promise<number> {
  await client.waitForReady(10_000);
  const uuid = await client.uuidOf('cluster', [GSC, args.name]);
  if (!uuid) {
    io.err(`cluster detach: no cluster ${args.name} is recorded (${GSC}:${args.name})`);
    return 1;
  }
  await client.update('cluster', uuid, { cluster_attached: false });
  io.out(`cluster ${args.name}: detached; its kubemanager stops (in-process), or delete its Deployment: kubectl delete -k deploy/clusters/${args.name}`);
  if (args.keepObjects) {
    io.out(`kept the config objects of cluster ${args.name} (--keep-objects)`);
    return 0;
  }
  const { deleted, left } = await purgeClusterObjects(client, args.name, io.out);
  io.out(`deleted ${deleted} config object${deleted === 1 ? '' : 's'} of cluster ${args.name}`);
  if (left.length > 0) {
    io.err(`cluster detach: ${left.length} object${left.length === 1 ? '' : 's'} could not be deleted:\n  ${left.join('\n  ')}`);
    return 1;
  }
  return 0;
}

/** The TLS files (flags or CONFIG_API_TLS_*) read and checked, or the problems, each naming its flag. */
function readCliTls(files: ClusterCliTls, cwd: string): { tls: ClientTlsConfig | undefined; problems: string[] } {
  const reader = new EnvReader({});
  const at = (path: string | undefined) => (path === undefined ? undefined : resolve(cwd, path));
  const tls = clientTlsOf(reader, {
    ca: { variable: '--tls-ca', path: at(files.ca) },
    cert: { variable: '--tls-cert', path: at(files.cert) },
    key: { variable: '--tls-key', path: at(files.key) },
  });
  return { tls, problems: reader.problems.map((problem) => problem.message) };
}
