// One kubemanager per workload cluster: `npm run kubemanager -- --cluster NAME --kubeconfig FILE`, or
// `node dist/apps/kubemanager/src/main.js` with the environment (see service/kubemanager-config.ts). It watches that
// cluster's Kubernetes API and writes the config through the config API's gRPC (docs/kubemanager.md).
//
// Exit codes: 0 after a graceful stop on SIGTERM/SIGINT; 1 when start-up fails; 2 when the flags, the environment
// or the kubeconfig are invalid (every problem is logged, and repeated in plain text on stderr).
import { InvalidConfigError } from '#libs/config';
import { runMain } from '#libs/platform';
import type { KubeConfig } from '@kubernetes/client-node';
import { BearerTokenFile } from '#libs/security';
import { loadKubeConfig } from './kube/kube-api.js';
import { loadKubemanagerConfig, type KubemanagerConfig } from './service/kubemanager-config.js';
import { startKubemanagerService } from './service/kubemanager-service.js';

function loadConfig(): KubemanagerConfig & { kube: KubeConfig; token: BearerTokenFile | undefined } {
  const config = loadKubemanagerConfig(process.env, process.argv.slice(2));
  let kube: KubeConfig;
  try {
    kube = loadKubeConfig(config.kubeconfig);
  } catch (error) {
    throw new InvalidConfigError([{ variable: 'KUBECONFIG', value: config.kubeconfig, message: (error as Error).message }]);
  }
  try {
    return { ...config, kube, token: config.tokenFile === undefined ? undefined : new BearerTokenFile(config.tokenFile) };
  } catch (error) {
    throw new InvalidConfigError([{ variable: 'CONFIG_API_TOKEN_FILE', value: config.tokenFile, message: (error as Error).message }]);
  }
}

await runMain({
  name: 'kubemanager',
  loadConfig,
  logLevel: (config) => config.logLevel,
  shutdownTimeoutMs: (config) => config.shutdownTimeoutMs,
  start: (config, logger) => startKubemanagerService(config, config.kube, logger, config.token),
});
