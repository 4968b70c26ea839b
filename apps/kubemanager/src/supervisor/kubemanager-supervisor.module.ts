import { Inject, Logger, Module, Optional, type DynamicModule, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigObject } from '#libs/domain';
import type { ClientTlsConfig } from '#libs/config';
import { GrpcServerHost, Metrics, SERVER_TLS, type ServerTls } from '#libs/platform';
import { CONFIG_PROJECTION, type ConfigProjection } from '#libs/projections';
import { AUTHENTICATOR, type Authenticator } from '#libs/security';
import { ConfigApiClient, type ConfigApiTls } from '../config-client/config-api-client.js';
import { ClientNodeKubeApi, loadKubeConfig } from '../kube/kube-api.js';
import { Kubemanager, type KubemanagerLogger } from '../runtime/kubemanager.js';
import { KubemanagerMetrics } from '../runtime/kubemanager-metrics.js';
import { ClusterSupervisor, type ClusterRecord } from './cluster-supervisor.js';

export interface KubemanagerSupervisorOptions {
  /** KUBEMANAGER_RESYNC_MS for the in-process kubemanagers. */
  resyncMs: number;
  /** CONFIG_API_TLS_*: the CA and client certificate of their TLS to this process's gRPC, when it serves TLS. */
  configApiTls?: ClientTlsConfig;
}

const OPTIONS = Symbol('KUBEMANAGER_SUPERVISOR_OPTIONS');

/** Nest's logger with fields, in the shape the kubemanager logs with. */
export function nestKubemanagerLogger(context: string): KubemanagerLogger {
  const logger = new Logger(context);
  return {
    info: (fields, message) => logger.log({ msg: message, ...fields }),
    warn: (fields, message) => logger.warn({ msg: message, ...fields }),
    error: (fields, message) => logger.error({ msg: message, ...fields }),
  };
}

function clusterRecord(object: ConfigObject): ClusterRecord {
  const ref = object.props.cluster_kubeconfig_ref;
  return {
    uuid: object.uuid,
    name: object.fq_name[object.fq_name.length - 1],
    attached: object.props.cluster_attached === true,
    kubeconfigRef: typeof ref === 'string' && ref.trim() !== '' ? ref : undefined,
  };
}

/**
 * The all-in-one controller's kubemanagers: one in-process kubemanager per attached cluster with a kubeconfig file,
 * started and stopped as cluster objects change in the config state. Each is a gRPC client of this process's own
 * ConfigService, as a separate kubemanager would be, with a token minted for it in memory (role and actor
 * kubemanager:<cluster>, never written anywhere, revoked when it stops): it writes its own cluster's objects only.
 */
@Module({})
export class KubemanagerSupervisorModule implements OnApplicationBootstrap, OnModuleDestroy {
  private supervisor: ClusterSupervisor | undefined;
  private unobserve: (() => void) | undefined;
  private readonly clients = new Set<ConfigApiClient>();
  private readonly clusterUuids = new Map<string, string>();
  private destroyed = false;

  constructor(
    @Inject(CONFIG_PROJECTION) private readonly projection: ConfigProjection,
    @Inject(GrpcServerHost) private readonly grpc: GrpcServerHost,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(OPTIONS) private readonly options: KubemanagerSupervisorOptions,
    @Optional() @Inject(AUTHENTICATOR) private readonly authenticator?: Authenticator,
    @Optional() @Inject(SERVER_TLS) private readonly serverTls?: ServerTls,
  ) {}

  static forRoot(options: KubemanagerSupervisorOptions): DynamicModule {
    return { module: KubemanagerSupervisorModule, providers: [{ provide: OPTIONS, useValue: options }] };
  }

  onApplicationBootstrap(): void {
    // Kubemanagers are clients of this process's gRPC server: start them once it listens.
    void this.grpc.boundPort.then((port) => {
      if (this.destroyed) return;
      const host = ['0.0.0.0', '::', ''].includes(this.grpc.bindAddress) ? '127.0.0.1' : this.grpc.bindAddress;
      const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      this.supervisor = new ClusterSupervisor((cluster, kubeconfig) => this.startKubemanager(cluster, kubeconfig, address), nestKubemanagerLogger('Kubemanagers'));
      this.unobserve = this.projection.observe({ settled: (_position, touched) => this.onSettled(touched) });
      this.supervisor.apply(this.allClusters());
    });
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    this.unobserve?.();
    this.supervisor?.stopAll();
    for (const client of this.clients) client.close();
  }

  private allClusters(): ClusterRecord[] {
    const out: ClusterRecord[] = [];
    for (const object of this.projection.state.all()) {
      if (object.type !== 'cluster') continue;
      const record = clusterRecord(object);
      this.clusterUuids.set(record.uuid, record.name);
      out.push(record);
    }
    return out;
  }

  private onSettled(touched: ReadonlySet<string>): void {
    const changed: ClusterRecord[] = [];
    const removed: string[] = [];
    for (const uuid of touched) {
      const object = this.projection.state.get(uuid);
      if (object?.type === 'cluster') {
        const record = clusterRecord(object);
        this.clusterUuids.set(uuid, record.name);
        changed.push(record);
      } else if (!object && this.clusterUuids.has(uuid)) {
        removed.push(this.clusterUuids.get(uuid)!);
        this.clusterUuids.delete(uuid);
      }
    }
    if (changed.length > 0 || removed.length > 0) this.supervisor?.apply(changed, removed);
  }

  /**
   * With TLS on, a kubemanager's TLS to this process: trusting CONFIG_API_TLS_CA_FILE, else TLS_CLIENT_CA_FILE (one
   * CA per deployment, as Tungsten Fabric's), presenting CONFIG_API_TLS_CERT_FILE/KEY_FILE, else this process's own
   * certificate as read now (one set per node); the server is checked for the name its certificate carries, since
   * it is reached on a loopback or bind address.
   */
  private clientTls(): ConfigApiTls | undefined {
    if (!this.serverTls) return undefined;
    const own = this.options.configApiTls?.material;
    const node = this.serverTls.current;
    const dnsName = /(?:^|, )DNS:([^,\s]+)/.exec(node.certificate?.subjectAltName ?? '')?.[1];
    return {
      ca: own?.ca ?? node.ca,
      ...(own?.cert ? { cert: own.cert, key: own.key } : { cert: node.cert, key: node.key }),
      ...(dnsName ? { serverName: dnsName } : {}),
    };
  }

  private startKubemanager(cluster: string, kubeconfig: string, configApi: string): { stop(): void } {
    const logger = nestKubemanagerLogger(`Kubemanager:${cluster}`);
    let kubemanager: Kubemanager | undefined;
    const actor = `kubemanager:${cluster}` as const;
    const credential = this.authenticator?.mint(actor, [actor]);
    const tls = this.clientTls();
    const client = new ConfigApiClient({ address: configApi, actor, authorization: credential && (() => `Bearer ${credential.token}`), ...(tls ? { tls } : {}) });
    this.clients.add(client);
    try {
      kubemanager = new Kubemanager({
        cluster,
        kube: new ClientNodeKubeApi(loadKubeConfig(kubeconfig)),
        config: client,
        logger,
        metrics: new KubemanagerMetrics(cluster, this.metrics.registry),
        resyncMs: this.options.resyncMs,
      });
      kubemanager.start().catch((error: Error) => logger.error({ cluster, err: error.message }, 'the kubemanager stopped on an error'));
    } catch (error) {
      logger.error({ cluster, kubeconfig, err: (error as Error).message }, 'the kubemanager cannot start');
    }
    return {
      stop: () => {
        kubemanager?.stop();
        client.close();
        credential?.revoke();
        this.clients.delete(client);
      },
    };
  }
}
