import { DEFAULT_KUBEMANAGER_REST_PORT, isClusterName } from '../service/kubemanager-config.js';
import { yamlDocument, type YamlValue } from './yaml-text.js';

/*
 * The manifests of one workload cluster's kubemanager on the central cluster (contrail-config-model.md §5.4: "when
 * attaching a cluster you explicitly create a kubemanager deployment"), as `npm run cluster:attach` writes them to
 * deploy/clusters/<cluster>/. The kubeconfig Secret plays CN2's Kubemanager `kubeconfigSecretName` (§5.3).
 * deploy/clusters/example/ is this output for EXAMPLE_CLUSTER (deploy-overlays.ts); a test keeps them equal.
 *
 * The kubemanager calls the config API with a bearer token of role kubemanager:<cluster>, from the Secret
 * kubemanager-<cluster>-token this writes. The config API knows the token only once its line is in the config API's
 * token file (Secret contrail-api-tokens, key tokens): config-api-token.txt holds that line, for the operator to
 * add; it is not a resource of the kustomization. The token is an input (the CLI draws it at random), so the output
 * is a function of the input.
 */

export interface KubemanagerManifestsInput {
  /** The workload cluster's name: a DNS label (CN2's `clusterName`). */
  cluster: string;
  /** The text of the kubeconfig the kubemanager uses to watch that cluster. */
  kubeconfig: string;
  /** The controller image; default DEFAULT_IMAGE. */
  image?: string;
  /** The central cluster's namespace of the controller; default contrail. */
  namespace?: string;
  /** host:port of the config API's gRPC; default the contrail-config-api Service of that namespace. */
  configApiGrpc?: string;
  /**
   * The kubemanager's bearer token for the config API (role kubemanager:<cluster>): at least 32 characters of the
   * base64url alphabet (A-Z, a-z, 0-9, '-', '_'), as `randomBytes(32).toString('base64url')` makes.
   */
  token: string;
  /**
   * TLS to the config API's gRPC: trust the ca.crt of Secret contrail-tls (the servers' Secret, deploy/tls/*; only
   * that key is mounted); with clientCertificate, also present the certificate of Secret kubemanager-<cluster>-tls
   * (tls.crt, tls.key), which the operator creates. Undefined: plain gRPC.
   */
  configApiTls?: { clientCertificate?: boolean };
}

/** A file to write, its path relative to the cluster's directory (deploy/clusters/<cluster>). */
export interface ManifestFile {
  path: string;
  content: string;
}

/** The image every manifest of deploy/ runs (built by the Dockerfile at the repository's root). */
export const DEFAULT_IMAGE = 'contrail-es:0.1.0';
export const DEFAULT_NAMESPACE = 'contrail';
export const DEFAULT_CONFIG_API_GRPC = 'contrail-config-api:50051';
/** Where the kubeconfig Secret is mounted, and the key it is read from. */
export const KUBECONFIG_MOUNT = '/etc/kubemanager';
export const KUBECONFIG_KEY = 'kubeconfig';
/** Where the token Secret is mounted (CONFIG_API_TOKEN_FILE), and its key. */
export const TOKEN_MOUNT = '/etc/contrail/config-api-token';
export const TOKEN_KEY = 'token';
/** The servers' TLS Secret (tls.crt, tls.key, ca.crt) of deploy/tls/*; the kubemanager mounts its ca.crt only. */
export const TLS_SECRET = 'contrail-tls';
export const TLS_MOUNT = '/etc/contrail/tls';
/** Where the kubemanager's own client certificate (Secret kubemanager-<cluster>-tls) is mounted. */
export const CLIENT_TLS_MOUNT = '/etc/contrail/kubemanager-tls';
/** The config API's token Secret (deploy/base), and its key: the file AUTH_TOKENS_FILE names. */
export const API_TOKENS_SECRET = 'contrail-api-tokens';
export const API_TOKENS_KEY = 'tokens';
/** The file of the output holding the line to add to the config API's token file; not applied. */
export const TOKEN_LINE_FILE = 'config-api-token.txt';

const DNS_LABEL_RULE = "a DNS label: 1 to 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit ([a-z0-9]([-a-z0-9]*[a-z0-9])?)";
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([1-9]\d{0,4})$/;
// An image reference: registry/repository[:tag][@digest], no blanks or control characters.
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$/;
// base64url, 32 characters or more: at least 192 bits when random, and safe in a token file (no blank, no leading #).
const TOKEN = /^[A-Za-z0-9_-]{32,}$/;
const TOKEN_RULE = 'at least 32 characters of the base64url alphabet (A-Z, a-z, 0-9, - and _)';

/** The name of the kubemanager Deployment of `cluster`. */
export function kubemanagerName(cluster: string): string {
  return `kubemanager-${cluster}`;
}

/** The name of the Secret that holds the kubeconfig of `cluster`. */
export function kubeconfigSecretName(cluster: string): string {
  return `kubemanager-${cluster}-kubeconfig`;
}

/** The name of the Secret that holds the config API token of `cluster`'s kubemanager (key token). */
export function tokenSecretName(cluster: string): string {
  return `kubemanager-${cluster}-token`;
}

/** The name of the Secret of the kubemanager's own TLS client certificate (tls.crt, tls.key), when it presents one. */
export function clientTlsSecretName(cluster: string): string {
  return `kubemanager-${cluster}-tls`;
}

/** The kubemanager's role, and the actor its token must carry in the config API's token file. */
export function kubemanagerRole(cluster: string): string {
  return `kubemanager:${cluster}`;
}

/** The config API's token file line of `cluster`'s kubemanager: `<token> kubemanager:<cluster> kubemanager:<cluster>`. */
export function configApiTokenLine(cluster: string, token: string): string {
  return `${token} ${kubemanagerRole(cluster)} ${kubemanagerRole(cluster)}`;
}

/**
 * The token of `cluster`'s kubemanager in the text of a TOKEN_LINE_FILE written before (so that attaching a cluster
 * again keeps its token); undefined when the text holds no usable line for that cluster.
 */
export function tokenOfLineFile(text: string, cluster: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length === 3 && !fields[0].startsWith('#') && TOKEN.test(fields[0]) && fields[1] === kubemanagerRole(cluster) && fields[2] === kubemanagerRole(cluster)) {
      return fields[0];
    }
  }
  return undefined;
}

/**
 * kustomization.yaml, kubeconfig-secret.yaml, token-secret.yaml and deployment.yaml for one workload cluster, and
 * config-api-token.txt (the line for the config API's token file, not applied); throws on bad input, naming it but
 * never the token.
 */
export function kubemanagerManifests(input: KubemanagerManifestsInput): ManifestFile[] {
  const settings = validated(input);
  return [
    { path: 'kustomization.yaml', content: kustomization(settings) },
    { path: 'kubeconfig-secret.yaml', content: kubeconfigSecret(settings) },
    { path: 'token-secret.yaml', content: tokenSecret(settings) },
    { path: 'deployment.yaml', content: deployment(settings) },
    { path: TOKEN_LINE_FILE, content: tokenLineFile(settings) },
  ];
}

type Settings = Required<Omit<KubemanagerManifestsInput, 'configApiTls'>> & Pick<KubemanagerManifestsInput, 'configApiTls'>;

function validated(input: KubemanagerManifestsInput): Settings {
  const { cluster, kubeconfig, token, configApiTls } = input;
  const image = input.image ?? DEFAULT_IMAGE;
  const namespace = input.namespace ?? DEFAULT_NAMESPACE;
  const configApiGrpc = input.configApiGrpc ?? DEFAULT_CONFIG_API_GRPC;
  if (!isClusterName(cluster)) throw new Error(`cluster name ${JSON.stringify(cluster)} is not ${DNS_LABEL_RULE}`);
  if (!isClusterName(namespace)) throw new Error(`namespace ${JSON.stringify(namespace)} is not ${DNS_LABEL_RULE}`);
  if (!IMAGE.test(image)) throw new Error(`image ${JSON.stringify(image)} is not an image reference (registry/name:tag, no blanks)`);
  const hostPort = HOST_PORT.exec(configApiGrpc);
  if (!hostPort || Number(hostPort[2]) > 65535) throw new Error(`config API address ${JSON.stringify(configApiGrpc)} is not host:port`);
  if (kubeconfig.trim() === '') throw new Error(`the kubeconfig of cluster ${cluster} is empty`);
  if (typeof token !== 'string' || !TOKEN.test(token)) throw new Error(`the config API token of cluster ${cluster} is not ${TOKEN_RULE}`);
  return { cluster, kubeconfig, image, namespace, configApiGrpc, token, ...(configApiTls ? { configApiTls } : {}) };
}

function labels(s: Settings): Record<string, string> {
  // The instance label is the cluster name, not the Deployment's: a label value, too, is limited to 63 characters.
  // part-of is written here as well as by kustomize, so `kubectl apply -f` makes the same selector as `-k`.
  return {
    'app.kubernetes.io/name': 'kubemanager',
    'app.kubernetes.io/instance': s.cluster,
    'app.kubernetes.io/part-of': 'contrail-es',
  };
}

function header(s: Settings, what: string): string[] {
  return [
    `${what} of workload cluster ${s.cluster}, for the central cluster.`,
    'Written by `npm run cluster:attach` (apps/kubemanager/src/deploy/kubemanager-manifests.ts): change that, not this.',
  ];
}

function kustomization(s: Settings): string {
  return yamlDocument(
    {
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      namespace: s.namespace,
      resources: ['kubeconfig-secret.yaml', 'token-secret.yaml', 'deployment.yaml'],
    },
    [
      ...header(s, 'The kubemanager'),
      'Apply with `kubectl apply -k` on this directory; delete with `kubectl delete -k`. Before applying, add the line',
      `of ${TOKEN_LINE_FILE} to the config API's token Secret ${API_TOKENS_SECRET} (key ${API_TOKENS_KEY}): until then the config`,
      'API refuses this kubemanager.',
    ],
  );
}

function kubeconfigSecret(s: Settings): string {
  return opaqueSecret(s, kubeconfigSecretName(s.cluster), KUBECONFIG_KEY, s.kubeconfig, [
    ...header(s, 'The kubeconfig'),
    'It holds a credential of that cluster: keep it out of version control.',
  ]);
}

function tokenSecret(s: Settings): string {
  return opaqueSecret(s, tokenSecretName(s.cluster), TOKEN_KEY, s.token, [
    ...header(s, 'The config API token of the kubemanager'),
    `The kubemanager reads it from CONFIG_API_TOKEN_FILE (re-read when it changes); ${TOKEN_LINE_FILE} has its line for`,
    `the config API's token Secret ${API_TOKENS_SECRET}. A credential: keep it out of version control.`,
  ]);
}

/** An Opaque Secret of the kubemanager's namespace holding `value` (UTF-8) under `key`, with comment lines above it. */
function opaqueSecret(s: Settings, name: string, key: string, value: string, comments: string[]): string {
  return yamlDocument(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: s.namespace, labels: labels(s) },
      type: 'Opaque',
      data: { [key]: Buffer.from(value, 'utf8').toString('base64') },
    },
    comments,
  );
}

function tokenLineFile(s: Settings): string {
  return [
    `# The config API token of the kubemanager of workload cluster ${s.cluster}, written by \`npm run cluster:attach\`.`,
    `# Before applying this directory, add the line below to the config API's token file: the key ${API_TOKENS_KEY} of Secret`,
    `# ${API_TOKENS_SECRET} in namespace ${s.namespace} of the central cluster (deploy/README.md, "Attaching a workload`,
    '# cluster"). The config API picks it up without a restart once the kubelet has updated its mounted file. These',
    '# comment lines may go along: the token file skips them. Not applied by kustomize. A credential: keep it out of',
    '# version control.',
    configApiTokenLine(s.cluster, s.token),
    '',
  ].join('\n');
}

function deployment(s: Settings): string {
  const selector = labels(s);
  const clientCertificate = s.configApiTls?.clientCertificate === true;
  const env: Record<string, string> = {
    KUBEMANAGER_CLUSTER: s.cluster,
    KUBECONFIG: `${KUBECONFIG_MOUNT}/${KUBECONFIG_KEY}`,
    CONFIG_API_GRPC: s.configApiGrpc,
    CONFIG_API_TOKEN_FILE: `${TOKEN_MOUNT}/${TOKEN_KEY}`,
    ...(s.configApiTls ? { CONFIG_API_TLS_CA_FILE: `${TLS_MOUNT}/ca.crt` } : {}),
    ...(clientCertificate ? { CONFIG_API_TLS_CERT_FILE: `${CLIENT_TLS_MOUNT}/tls.crt`, CONFIG_API_TLS_KEY_FILE: `${CLIENT_TLS_MOUNT}/tls.key` } : {}),
    BIND_ADDRESS: '0.0.0.0',
    REST_PORT: String(DEFAULT_KUBEMANAGER_REST_PORT),
    KUBEMANAGER_RESYNC_MS: '120000',
    LOG_LEVEL: 'info',
  };
  const probe = (extra: Record<string, number>): YamlValue => ({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, ...extra });
  return yamlDocument(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: kubemanagerName(s.cluster), namespace: s.namespace, labels: { ...selector, 'app.kubernetes.io/component': 'cluster-plane' } },
      spec: {
        replicas: 1,
        // One watcher per cluster: the old pod stops before the new one starts.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: { ...selector, 'app.kubernetes.io/component': 'cluster-plane' } },
          spec: {
            // It talks to the workload cluster with the kubeconfig, never to the central cluster's API.
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 30,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 10001,
              runAsGroup: 10001,
              fsGroup: 10001,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'kubemanager',
                image: s.image,
                command: ['node', 'dist/apps/kubemanager/src/main.js'],
                env: Object.entries(env).map(([name, value]) => ({ name, value })),
                ports: [{ name: 'http', containerPort: DEFAULT_KUBEMANAGER_REST_PORT }],
                readinessProbe: probe({}),
                livenessProbe: probe({ initialDelaySeconds: 30, timeoutSeconds: 5, failureThreshold: 6 }),
                resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [
                  { name: 'kubeconfig', mountPath: KUBECONFIG_MOUNT, readOnly: true },
                  { name: 'config-api-token', mountPath: TOKEN_MOUNT, readOnly: true },
                  ...(s.configApiTls ? [{ name: 'tls', mountPath: TLS_MOUNT, readOnly: true }] : []),
                  ...(clientCertificate ? [{ name: 'tls-client', mountPath: CLIENT_TLS_MOUNT, readOnly: true }] : []),
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              // 288 = 0440: readable by the pod's group (fsGroup) only.
              { name: 'kubeconfig', secret: { secretName: kubeconfigSecretName(s.cluster), defaultMode: 288 } },
              { name: 'config-api-token', secret: secretFiles(tokenSecretName(s.cluster), [TOKEN_KEY]) },
              // The CA only: the servers' private key stays out of this pod.
              ...(s.configApiTls ? [{ name: 'tls', secret: secretFiles(TLS_SECRET, ['ca.crt']) }] : []),
              ...(clientCertificate ? [{ name: 'tls-client', secret: secretFiles(clientTlsSecretName(s.cluster), ['tls.crt', 'tls.key']) }] : []),
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ],
          },
        },
      },
    },
    [
      ...header(s, 'The kubemanager Deployment'),
      `It watches that cluster through the kubeconfig in Secret ${kubeconfigSecretName(s.cluster)}, and calls the config API`,
      `with the token in Secret ${tokenSecretName(s.cluster)}${tlsNote(s)}.`,
    ],
  );
}

function tlsNote(s: Settings): string {
  if (!s.configApiTls) return '';
  const trust = `, over TLS trusting the ca.crt of Secret ${TLS_SECRET}`;
  return s.configApiTls.clientCertificate ? `${trust} and presenting the certificate of Secret ${clientTlsSecretName(s.cluster)}` : trust;
}

/** A Secret volume of the given keys only (a missing key keeps the pod from starting, saying which); 288 = 0440. */
function secretFiles(secretName: string, keys: readonly string[]): YamlValue {
  return { secretName, items: keys.map((key) => ({ key, path: key })), defaultMode: 288 };
}
