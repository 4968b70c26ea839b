import type { KubemanagerManifestsInput } from './kubemanager-manifests.js';

/** A directory of deploy/ that `kubectl kustomize` renders. */
export interface DeployOverlay {
  /** Relative to the repository's root. */
  dir: string;
  /** Applied on its own (a deployment model), or only a layer the models build on. */
  deployable: boolean;
  what: string;
}

/** The example of deploy/clusters/example: that directory is kubemanagerManifests(EXAMPLE_CLUSTER), byte for byte. */
export const EXAMPLE_CLUSTER: Readonly<KubemanagerManifestsInput> = {
  cluster: 'example',
  kubeconfig: [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: example',
    '  cluster:',
    '    server: https://workload-example.example.net:6443',
    '    certificate-authority-data: <base64 of the workload cluster CA certificate>',
    'users:',
    '- name: contrail-kubemanager',
    '  user:',
    '    token: <token of Secret contrail/contrail-kubemanager-token in the workload cluster>',
    'contexts:',
    '- name: example',
    '  context:',
    '    cluster: example',
    '    user: contrail-kubemanager',
    'current-context: example',
    '',
  ].join('\n'),
  // Public in git, so no secret: a placeholder that says so (attach draws a random one).
  token: 'PLACEHOLDER-example-kubemanager-token-not-a-secret',
};

const OVERLAYS: readonly DeployOverlay[] = [
  { dir: 'deploy/base', deployable: false, what: 'config API and control ×2 in namespace contrail, no event store chosen' },
  { dir: 'deploy/stores/postgres', deployable: false, what: 'base on PostgreSQL 15 in the same cluster' },
  { dir: 'deploy/stores/kurrentdb', deployable: false, what: 'base on an external KurrentDB, by Secret' },
  { dir: 'deploy/kubemanager-rbac', deployable: false, what: 'what a kubemanager may do in the cluster it watches' },
  { dir: 'deploy/central', deployable: true, what: 'central cluster of the multi-cluster model, PostgreSQL' },
  { dir: 'deploy/central-kurrentdb', deployable: true, what: 'central cluster of the multi-cluster model, external KurrentDB' },
  { dir: 'deploy/single-cluster', deployable: true, what: 'everything in the workload cluster, with one in-cluster kubemanager' },
  { dir: 'deploy/dev', deployable: true, what: 'single-cluster with PLACEHOLDER token Secrets, for a throwaway cluster' },
  { dir: 'deploy/tls/central', deployable: true, what: 'central with TLS on REST, gRPC and XMPP, from the Secret contrail-tls' },
  { dir: 'deploy/tls/single-cluster', deployable: true, what: 'single-cluster with TLS on REST, gRPC and XMPP, from the Secret contrail-tls' },
  { dir: 'deploy/workload', deployable: true, what: "a workload cluster: the central kubemanager's RBAC and the agents' control addresses" },
  { dir: `deploy/clusters/${EXAMPLE_CLUSTER.cluster}`, deployable: true, what: 'the kubemanager of one workload cluster, on the central cluster' },
];

/** Every kustomization under deploy/ that the render test renders (deploy/clusters/<name> only for the example). */
export function deployOverlays(): readonly DeployOverlay[] {
  return OVERLAYS;
}
