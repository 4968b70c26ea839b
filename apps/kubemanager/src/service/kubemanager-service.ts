import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerLiveHeapGauge, type Logger } from '#libs/platform';
import { ConfigApiClient } from '../config-client/config-api-client.js';
import { ClientNodeKubeApi, type KubeApi } from '../kube/kube-api.js';
import { Kubemanager } from '../runtime/kubemanager.js';
import { KubemanagerMetrics } from '../runtime/kubemanager-metrics.js';
import type { KubemanagerConfig } from './kubemanager-config.js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { BearerTokenFile } from '#libs/security';

export interface RunningKubemanager {
  readonly kubemanager: Kubemanager;
  readonly restAddress: string;
  stop(): Promise<{ cluster: string }>;
}

/**
 * The kubemanager process: /health and /metrics on REST_PORT, then the kubemanager itself, which waits for the
 * config API and keeps retrying an unreachable Kubernetes API (both logged) rather than exiting.
 */
export async function startKubemanagerService(
  config: KubemanagerConfig,
  kubeConfig: KubeConfig,
  logger: Logger,
  /** CONFIG_API_TOKEN_FILE's token: sent with every call to the config API. */
  token?: BearerTokenFile,
): Promise<RunningKubemanager> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const stopLiveHeap = registerLiveHeapGauge(registry);
  const kube: KubeApi = new ClientNodeKubeApi(kubeConfig);
  const client = new ConfigApiClient({
    address: config.configApi,
    actor: `kubemanager:${config.cluster}`,
    authorization: token && (() => token.authorization()),
    ...(config.configApiTls ? { tls: config.configApiTls.material } : {}),
  });
  const kubemanager = new Kubemanager({
    cluster: config.cluster,
    kube,
    config: client,
    logger,
    metrics: new KubemanagerMetrics(config.cluster, registry),
    resyncMs: config.resyncMs,
    concurrency: config.concurrency,
  });
  let synced = false;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') {
      const body = { status: synced ? 'ok' : 'starting', detached: kubemanager.detached, ...kubemanager.status(), kubernetes: kube.server, configApi: config.configApi };
      res.writeHead(synced ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    } else if (req.method === 'GET' && path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      );
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `no route ${req.method} ${path}: try GET /health or GET /metrics` }));
    }
  });
  await listen(server, config.restPort, config.bindAddress);
  const address = server.address() as AddressInfo;
  const restAddress = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info({ rest: restAddress, cluster: config.cluster, kubernetes: kube.server, configApi: config.configApi }, 'listening');
  const starting = kubemanager.start().then(
    () => {
      synced = true;
    },
    (error: Error) => {
      logger.fatal({ err: error, cluster: config.cluster }, 'kubemanager failed');
      process.exit(1);
    },
  );
  return {
    kubemanager,
    restAddress,
    async stop() {
      kubemanager.stop();
      await Promise.race([starting, new Promise((resolve) => setTimeout(resolve, 1000))]);
      client.close();
      stopLiveHeap();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return { cluster: config.cluster };
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
