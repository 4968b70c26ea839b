import {
  EnvReader,
  InvalidConfigError,
  readBindAddress,
  readClientTlsConfig,
  readLogLevel,
  readShutdownTimeoutMs,
  type ClientTlsConfig,
  type Environment,
  type LogLevel,
} from '#libs/config';
import { DEFAULT_CONCURRENCY } from '../runtime/kubemanager.js';

/*
 * One kubemanager process per workload cluster (`npm run kubemanager -- --cluster NAME --kubeconfig FILE`, or
 * `node dist/apps/kubemanager/src/main.js` with the environment). A flag wins over its variable.
 *
 * | flag / variable                      | default          | allowed                                                |
 * |--------------------------------------|------------------|--------------------------------------------------------|
 * | --cluster / KUBEMANAGER_CLUSTER      | (required)       | a DNS label (a-z, 0-9, '-', ≤ 63): the cluster's name  |
 * | --kubeconfig / KUBECONFIG            | in-cluster       | the workload cluster's kubeconfig file; unset = the    |
 * |                                      |                  | pod's service account (single-cluster model)           |
 * | --config-api / CONFIG_API_GRPC       | 127.0.0.1:50051  | host:port of the config API's gRPC server              |
 * | --token-file / CONFIG_API_TOKEN_FILE | -                | the bearer token for the config API (a file holding    |
 * |                                      |                  | one line; re-read when it changes). Its role must be   |
 * |                                      |                  | kubemanager:<cluster>. Unset: no credentials           |
 * | --tls-ca / CONFIG_API_TLS_CA_FILE    | -                | TLS to the config API: PEM CA its certificate must     |
 * |                                      |                  | chain to (and name the --config-api host). Unset with  |
 * |                                      |                  | no cert either: plain TCP                              |
 * | --tls-cert / CONFIG_API_TLS_CERT_FILE| -                | PEM client certificate, with its key: presented to a   |
 * | --tls-key / CONFIG_API_TLS_KEY_FILE  | -                | config API that asks (TLS_CLIENT_AUTH); both or neither |
 * | KUBEMANAGER_RESYNC_MS                | 120000           | 0..86400000 between periodic reconciles; 0 = off       |
 * | KUBEMANAGER_CONCURRENCY              | 64               | 1..256 objects reconciled at once                      |
 * | REST_PORT                            | 8084             | 0..65535: GET /health, GET /metrics                    |
 * | BIND_ADDRESS, LOG_LEVEL,             |                  | as the controller's                                    |
 * | SHUTDOWN_TIMEOUT_MS                  |                  |                                                        |
 */
export interface KubemanagerConfig {
  cluster: string;
  /** Undefined: the in-cluster service account. */
  kubeconfig: string | undefined;
  configApi: string;
  /** CONFIG_API_TOKEN_FILE: the file holding the bearer token for the config API; undefined: none. */
  tokenFile: string | undefined;
  /** CONFIG_API_TLS_CA_FILE, _CERT_FILE, _KEY_FILE: TLS to the config API, read and checked; undefined: plain. */
  configApiTls?: ClientTlsConfig;
  resyncMs: number;
  concurrency: number;
  bindAddress: string;
  restPort: number;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
}

export const DEFAULT_KUBEMANAGER_REST_PORT = 8084;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** Whether `name` may name a cluster: a DNS label, as CN2's Kubemanager `clusterName` (contrail-config-model.md §5.3). */
export function isClusterName(name: string): boolean {
  return DNS_LABEL.test(name);
}

const FLAGS: Record<string, string> = {
  '--cluster': 'KUBEMANAGER_CLUSTER',
  '--kubeconfig': 'KUBECONFIG',
  '--config-api': 'CONFIG_API_GRPC',
  '--token-file': 'CONFIG_API_TOKEN_FILE',
  '--tls-ca': 'CONFIG_API_TLS_CA_FILE',
  '--tls-cert': 'CONFIG_API_TLS_CERT_FILE',
  '--tls-key': 'CONFIG_API_TLS_KEY_FILE',
};

/** The flags as their variables; an unknown flag or one without a value is an error naming it. */
export function flagsAsEnvironment(argv: readonly string[]): Environment {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const variable = FLAGS[flag];
    if (!variable) throw new Error(`unknown argument ${JSON.stringify(argv[i])}: expected ${Object.keys(FLAGS).join(', ')}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    out[variable] = value;
  }
  return out;
}

/** KUBEMANAGER_RESYNC_MS: between periodic reconciles (default 120 s, as contrail-kube-manager's timer); 0 = off. */
export function readKubemanagerResyncMs(reader: EnvReader): number {
  return reader.integer('KUBEMANAGER_RESYNC_MS', 120_000, { min: 0, max: 86_400_000, note: 'milliseconds; 0 = off' });
}

/** Reads and validates the kubemanager's settings; throws InvalidConfigError listing every problem. */
export function loadKubemanagerConfig(env: Environment, argv: readonly string[] = [], cwd = process.cwd()): KubemanagerConfig {
  let flags: Environment;
  try {
    flags = flagsAsEnvironment(argv);
  } catch (error) {
    throw new InvalidConfigError([{ variable: 'arguments', message: (error as Error).message }]);
  }
  const reader = new EnvReader({ ...env, ...flags });
  const cluster = reader.raw('KUBEMANAGER_CLUSTER');
  if (cluster === undefined) reader.missing('KUBEMANAGER_CLUSTER', 'to name the workload cluster this kubemanager watches (or pass --cluster NAME)');
  else if (!isClusterName(cluster)) reader.invalid('KUBEMANAGER_CLUSTER', cluster, 'a DNS label: lower-case letters, digits and -, at most 63, starting and ending with a letter or digit');
  const configApi = reader.string('CONFIG_API_GRPC', '127.0.0.1:50051');
  const hostPort = HOST_PORT.exec(configApi);
  if (!hostPort || Number(hostPort[2]) < 1 || Number(hostPort[2]) > 65535) reader.invalid('CONFIG_API_GRPC', configApi, 'host:port of the config API gRPC server, e.g. 127.0.0.1:50051');
  const config: KubemanagerConfig = {
    cluster: cluster ?? '',
    kubeconfig: reader.raw('KUBECONFIG'),
    configApi,
    tokenFile: reader.raw('CONFIG_API_TOKEN_FILE'),
    ...tlsOf(readClientTlsConfig(reader, 'CONFIG_API_TLS', cwd)),
    resyncMs: readKubemanagerResyncMs(reader),
    concurrency: reader.integer('KUBEMANAGER_CONCURRENCY', DEFAULT_CONCURRENCY, { min: 1, max: 256 }),
    bindAddress: readBindAddress(reader),
    restPort: reader.port('REST_PORT', DEFAULT_KUBEMANAGER_REST_PORT),
    logLevel: readLogLevel(reader),
    shutdownTimeoutMs: readShutdownTimeoutMs(reader),
  };
  return reader.finish(config);
}

function tlsOf(tls: ClientTlsConfig | undefined): { configApiTls?: ClientTlsConfig } {
  return tls ? { configApiTls: tls } : {};
}
