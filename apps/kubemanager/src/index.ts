// The kubemanager as other apps compose it (the all-in-one controller) and as tests and benchmarks drive it.
export { Kubemanager, type KubemanagerSettings, type KubemanagerLogger } from './runtime/kubemanager.js';
export { KubemanagerMetrics } from './runtime/kubemanager-metrics.js';
export { purgeClusterObjects } from './runtime/purge-cluster.js';
export { ConfigApiClient, ConfigApiError } from './config-client/config-api-client.js';
export { ClientNodeKubeApi, loadKubeConfig, WATCHED_KINDS, type KubeApi, type WatchedKind } from './kube/kube-api.js';
export { KubemanagerSupervisorModule, type KubemanagerSupervisorOptions } from './supervisor/kubemanager-supervisor.module.js';
export { isClusterName, readKubemanagerResyncMs } from './service/kubemanager-config.js';
export { runClusterCli, type ClusterCliIo } from './cli/cluster-cli.js';
export { kubemanagerManifests, DEFAULT_IMAGE } from './deploy/kubemanager-manifests.js';
