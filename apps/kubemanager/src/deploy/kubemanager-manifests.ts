import { DEFAULT_KUBEMANAGER_REST_PORT, isClusterName } from '../service/kubemanager-config.js';
import { yamlDocument, type YamlValue } from './yaml-text.js';

/*
 * The manifests of one workload cluster's kubemanager on the central cluster (contrail-config-model.md §5.4: "when
 * attaching a cluster you explicitly create a kubemanager deployment"), as `npm run cluster:attach` writes them to
 * deploy/clusters/<cluster>/. The kubeconfig Secret plays CN2's Kubemanager `kubeconfigSecretName` (§5.3).
 * deploy/clusters/example/ is this output for EXAMPLE_CLUSTER (deploy-overlays.ts); a test keeps them equal.
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

const DNS_LABEL_RULE = "a DNS label: 1 to 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit ([a-z0-9]([-a-z0-9]*[a-z0-9])?)";
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([1-9]\d{0,4})$/;
// An image reference: registry/repository[:tag][@digest], no blanks or control characters.
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$/;

/** The name of the kubemanager Deployment of `cluster`. */
export function kubemanagerName(cluster: string): string {
  return `kubemanager-${cluster}`;
}

/** The name of the Secret that holds the kubeconfig of `cluster`. */
export function kubeconfigSecretName(cluster: string): string {
  return `kubemanager-${cluster}-kubeconfig`;
}

/** kustomization.yaml, kubeconfig-secret.yaml and deployment.yaml for one workload cluster; throws on bad input. */
export function kubemanagerManifests(input: KubemanagerManifestsInput): ManifestFile[] {
  const settings = validated(input);
  return [
    { path: 'kustomization.yaml', content: kustomization(settings) },
    { path: 'kubeconfig-secret.yaml', content: kubeconfigSecret(settings) },
    { path: 'deployment.yaml', content: deployment(settings) },
  ];
}

type Settings = Required<KubemanagerManifestsInput>;

function validated(input: KubemanagerManifestsInput): Settings {
  const { cluster, kubeconfig } = input;
  const image = input.image ?? DEFAULT_IMAGE;
  const namespace = input.namespace ?? DEFAULT_NAMESPACE;
  const configApiGrpc = input.configApiGrpc ?? DEFAULT_CONFIG_API_GRPC;
  if (!isClusterName(cluster)) throw new Error(`cluster name ${JSON.stringify(cluster)} is not ${DNS_LABEL_RULE}`);
  if (!isClusterName(namespace)) throw new Error(`namespace ${JSON.stringify(namespace)} is not ${DNS_LABEL_RULE}`);
  if (!IMAGE.test(image)) throw new Error(`image ${JSON.stringify(image)} is not an image reference (registry/name:tag, no blanks)`);
  const hostPort = HOST_PORT.exec(configApiGrpc);
  if (!hostPort || Number(hostPort[2]) > 65535) throw new Error(`config API address ${JSON.stringify(configApiGrpc)} is not host:port`);
  if (kubeconfig.trim() === '') throw new Error(`the kubeconfig of cluster ${cluster} is empty`);
  return { cluster, kubeconfig, image, namespace, configApiGrpc };
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
      resources: ['kubeconfig-secret.yaml', 'deployment.yaml'],
    },
    [...header(s, 'The kubemanager'), `Apply with \`kubectl apply -k\` on this directory; delete with \`kubectl delete -k\`.`],
  );
}

function kubeconfigSecret(s: Settings): string {
  return yamlDocument(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: kubeconfigSecretName(s.cluster), namespace: s.namespace, labels: labels(s) },
      type: 'Opaque',
      data: { [KUBECONFIG_KEY]: Buffer.from(s.kubeconfig, 'utf8').toString('base64') },
    },
    [...header(s, 'The kubeconfig'), 'It holds a credential of that cluster: keep it out of version control.'],
  );
}

function deployment(s: Settings): string {
  const selector = labels(s);
  const env: Record<string, string> = {
    KUBEMANAGER_CLUSTER: s.cluster,
    KUBECONFIG: `${KUBECONFIG_MOUNT}/${KUBECONFIG_KEY}`,
    CONFIG_API_GRPC: s.configApiGrpc,
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
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              // 288 = 0440: readable by the pod's group (fsGroup) only.
              { name: 'kubeconfig', secret: { secretName: kubeconfigSecretName(s.cluster), defaultMode: 288 } },
              { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ],
          },
        },
      },
    },
    [...header(s, 'The kubemanager Deployment'), `It watches that cluster through the kubeconfig in Secret ${kubeconfigSecretName(s.cluster)}.`],
  );
}
