import { DEFAULT_IMAGE } from '../deploy/kubemanager-manifests.js';
import { isClusterName } from '../service/kubemanager-config.js';

export const CLUSTER_USAGE = `usage:
  npm run cluster:attach -- --name NAME --kubeconfig FILE [options]
  npm run cluster:detach -- --name NAME [--keep-objects] [--config-api HOST:PORT]

attach records the workload cluster NAME as attached (the cluster object default-global-system-config:NAME) and
  writes the manifests of its kubemanager (a Deployment, the kubeconfig Secret and its config API token Secret) to
  --out, ready for \`kubectl apply -k\` on the central cluster, and config-api-token.txt: the line to add to the
  config API's token file first (a random token; attaching again keeps it). With TLS flags the kubemanager uses
  TLS too. With --in-process it records the kubeconfig's path instead and writes nothing: the all-in-one
  controller then runs that cluster's kubemanager itself.
    --kubeconfig FILE         the workload cluster's kubeconfig (checked before anything is written)
    --pod-subnets CIDR,...    the cluster's pod subnets (default 10.32.0.0/12; disjoint across clusters)
    --service-subnets CIDR,.. the cluster's service subnets (default 10.96.0.0/12)
    --out DIR                 where the manifests go (default deploy/clusters/NAME)
    --image IMAGE             the controller image (default ${DEFAULT_IMAGE})
    --namespace NS            the central cluster's namespace of the controller (default contrail)
    --in-process              the all-in-one controller runs the kubemanager (no manifests)
detach records NAME as detached: its kubemanager stops (in-process) or should be deleted
  (\`kubectl delete -k DIR\`), and every config object it made is deleted unless --keep-objects.
common:
  --config-api HOST:PORT      the config API's gRPC address (default $CONFIG_API_GRPC or 127.0.0.1:50051)
  --token-file FILE           a file holding the bearer token for the config API (default $CONFIG_API_TOKEN_FILE;
                              an operator's or admin's token when the config API authenticates callers)
  --tls-ca FILE               TLS to the config API: the PEM CA its certificate must chain to (default
                              $CONFIG_API_TLS_CA_FILE)
  --tls-cert FILE, --tls-key FILE
                              a client certificate and its key, for a config API that asks for one (default
                              $CONFIG_API_TLS_CERT_FILE, $CONFIG_API_TLS_KEY_FILE)`;

export interface AttachArgs {
  command: 'attach';
  name: string;
  kubeconfig: string;
  podSubnets?: string[];
  serviceSubnets?: string[];
  out: string;
  image?: string;
  namespace?: string;
  inProcess: boolean;
  configApi: string;
  /** --token-file or CONFIG_API_TOKEN_FILE. */
  tokenFile?: string;
  /** --tls-ca/-cert/-key or CONFIG_API_TLS_*_FILE: paths, read by the command. */
  tls?: ClusterCliTls;
}

export interface ClusterCliTls {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface DetachArgs {
  command: 'detach';
  name: string;
  keepObjects: boolean;
  configApi: string;
  tokenFile?: string;
  tls?: ClusterCliTls;
}

export type ClusterCliArgs = AttachArgs | DetachArgs;

const TLS_FLAGS = { '--tls-ca': 'CONFIG_API_TLS_CA_FILE', '--tls-cert': 'CONFIG_API_TLS_CERT_FILE', '--tls-key': 'CONFIG_API_TLS_KEY_FILE' } as const;
const VALUE_FLAGS = ['--name', '--kubeconfig', '--pod-subnets', '--service-subnets', '--out', '--image', '--namespace', '--config-api', '--token-file', ...Object.keys(TLS_FLAGS)];
const SWITCHES = ['--in-process', '--keep-objects'];
const CIDR = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/;

/** Parses `attach|detach` and its flags; throws an Error naming the first problem. */
export function parseClusterCliArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): ClusterCliArgs {
  const [command, ...rest] = argv;
  if (command !== 'attach' && command !== 'detach') throw new Error(`expected attach or detach, not ${JSON.stringify(command ?? '')}`);
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i].split(/=(.*)/s, 2);
    if (SWITCHES.includes(flag)) {
      switches.add(flag);
      continue;
    }
    if (!VALUE_FLAGS.includes(flag)) throw new Error(`unknown argument ${JSON.stringify(rest[i])}`);
    const value = inline ?? rest[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    values.set(flag, value);
  }
  const name = values.get('--name');
  if (!name) throw new Error('--name NAME is required');
  if (!isClusterName(name)) throw new Error(`--name ${JSON.stringify(name)} is not a DNS label (a-z, 0-9 and -, at most 63, starting and ending with a letter or digit)`);
  const configApi = values.get('--config-api') ?? env.CONFIG_API_GRPC ?? '127.0.0.1:50051';
  const tokenFile = values.get('--token-file') ?? (env.CONFIG_API_TOKEN_FILE?.trim() || undefined);
  const tls = tlsPaths(values, env);
  const common = ['--name', '--config-api', '--token-file', ...Object.keys(TLS_FLAGS)];
  const allowed = command === 'attach' ? [...common, '--kubeconfig', '--pod-subnets', '--service-subnets', '--out', '--image', '--namespace', '--in-process'] : [...common, '--keep-objects'];
  for (const flag of [...values.keys(), ...switches]) if (!allowed.includes(flag)) throw new Error(`${flag} does not apply to ${command}`);
  if (command === 'detach') return { command, name, keepObjects: switches.has('--keep-objects'), configApi, ...(tokenFile ? { tokenFile } : {}), ...(tls ? { tls } : {}) };
  const kubeconfig = values.get('--kubeconfig');
  if (!kubeconfig) throw new Error('--kubeconfig FILE is required: the workload cluster\'s kubeconfig');
  return {
    command,
    name,
    kubeconfig,
    podSubnets: cidrList(values.get('--pod-subnets'), '--pod-subnets'),
    serviceSubnets: cidrList(values.get('--service-subnets'), '--service-subnets'),
    out: values.get('--out') ?? `deploy/clusters/${name}`,
    image: values.get('--image'),
    namespace: values.get('--namespace'),
    inProcess: switches.has('--in-process'),
    configApi,
    ...(tokenFile ? { tokenFile } : {}),
    ...(tls ? { tls } : {}),
  };
}

/** Each TLS file from its flag, else its variable; undefined when none is given. */
function tlsPaths(values: ReadonlyMap<string, string>, env: Record<string, string | undefined>): ClusterCliTls | undefined {
  const path = (flag: keyof typeof TLS_FLAGS): string | undefined => values.get(flag) ?? (env[TLS_FLAGS[flag]]?.trim() || undefined);
  const ca = path('--tls-ca');
  const cert = path('--tls-cert');
  const key = path('--tls-key');
  if (ca === undefined && cert === undefined && key === undefined) return undefined;
  return { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) };
}

function cidrList(value: string | undefined, flag: string): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.find((c) => !CIDR.test(c));
  if (list.length === 0 || bad !== undefined) throw new Error(`${flag} takes CIDRs separated by commas, e.g. 10.32.0.0/12, not ${JSON.stringify(bad ?? value)}`);
  return list;
}
