import { experimental, type ServerCredentials } from '@grpc/grpc-js';
import type { SecureContextOptions, Server as TlsServer } from 'node:tls';
import { Counter, Gauge } from 'prom-client';
import type { ServerTlsConfig, TlsClientAuth, TlsMaterial } from '#libs/config';
import type { Logger } from '../logging/create-logger.js';
import type { Metrics } from '../http/metrics.js';
import { TlsCertificates, type TlsCertificatesOptions } from './tls-certificates.js';

/** The Nest token of the process's ServerTls (absent when TLS is off). */
export const SERVER_TLS = Symbol('SERVER_TLS');

/**
 * The TLS of a process's listeners (REST, gRPC, the XMPP bridge): one certificate set from files, reloaded without a
 * restart (TlsCertificates), and the client-certificate policy (TLS_CLIENT_AUTH). Each listener takes what its
 * server needs from here and follows the reloads: HTTPS with setSecureContext, gRPC through a certificate provider,
 * the XMPP bridge with its own tls.Server's setSecureContext.
 */
export class ServerTls {
  /** Listeners serving with this set, as the `listener` label of contrail_tls_certificate_expiry_seconds. */
  private readonly listeners = new Set<string>();

  constructor(
    readonly certificates: TlsCertificates,
    readonly clientAuth: TlsClientAuth,
    private readonly logger: Logger,
  ) {}

  /** Reads and checks the files (throws TlsFileError) and watches them. */
  static open(config: ServerTlsConfig, logger: Logger, options?: TlsCertificatesOptions): ServerTls {
    const tlsLogger = logger.child({ component: 'tls' });
    return new ServerTls(TlsCertificates.open(config.files, tlsLogger, options), config.clientAuth, tlsLogger);
  }

  /** The set in use (the XMPP bridge's mutual TLS reads it, and follows onChange). */
  get current(): TlsMaterial {
    return this.certificates.current;
  }

  onChange(listener: (material: TlsMaterial) => void): () => void {
    return this.certificates.onChange(listener);
  }

  /** A client certificate is asked for (optional or require). */
  get asksForClientCertificates(): boolean {
    return this.clientAuth !== 'none';
  }

  /** Certificate, key and, when client certificates are asked for, the CA they must chain to. */
  contextOptions(): Pick<SecureContextOptions, 'cert' | 'key' | 'ca'> & { cert?: Buffer; key?: Buffer; ca?: Buffer } {
    const { cert, key, ca } = this.certificates.current;
    return { cert, key, ...(this.asksForClientCertificates && ca ? { ca } : {}) };
  }

  /** Options for https.createServer (NestFactory's httpsOptions). */
  httpsOptions(): { cert?: Buffer; key?: Buffer; ca?: Buffer; requestCert: boolean; rejectUnauthorized: boolean } {
    return { ...this.contextOptions(), requestCert: this.asksForClientCertificates, rejectUnauthorized: this.clientAuth === 'require' };
  }

  /** Keeps a TLS server (HTTPS) on the current set: new connections get every reloaded one. */
  follow(server: TlsServer, listener: string): () => void {
    this.use(listener);
    return this.onChange(() => {
      try {
        server.setSecureContext(this.contextOptions());
      } catch (error) {
        this.logger.error({ err: error, listener }, 'the reloaded TLS certificate could not be installed; this listener keeps the previous one');
      }
    });
  }

  /**
   * gRPC server credentials that follow the reloads. grpc-js 1.14 takes them through its experimental certificate
   * provider: createCertificateProviderServerCredentials(identity, ca | null, requireClientCertificate). Its
   * declaration calls the first argument the CA provider and the second the identity provider, while the code
   * uses them the other way round (the first is the identity, the second, nullable, the CA); one provider object
   * serving both keeps that straight. requestCert is on when a CA provider is given, rejectUnauthorized follows the
   * third argument: none → (null, false), optional → (provider, false), require → (provider, true).
   */
  grpcCredentials(listener = 'grpc'): ServerCredentials {
    this.use(listener);
    const provider = new ReloadingCertificateProvider(this);
    return experimental.createCertificateProviderServerCredentials(provider, this.asksForClientCertificates ? provider : null, this.clientAuth === 'require');
  }

  /** Counts `listener` among those serving with this set (for the expiry metric). */
  use(listener: string): void {
    this.listeners.add(listener);
  }

  /** contrail_tls_certificate_expiry_seconds{listener} and contrail_tls_reloads_total{outcome}. */
  registerMetrics(metrics: Metrics): void {
    const tls = this;
    new Gauge({
      name: 'contrail_tls_certificate_expiry_seconds',
      help: 'Seconds until the notAfter of the certificate each TLS listener presents (negative once expired).',
      labelNames: ['listener'],
      registers: [metrics.registry],
      collect() {
        const seconds = tls.certificates.expirySeconds();
        if (seconds === undefined) return;
        for (const listener of tls.listeners) this.set({ listener }, Math.round(seconds));
      },
    });
    new Counter({
      name: 'contrail_tls_reloads_total',
      help: 'Changes of the TLS files seen, by outcome: success (the new set is used) or failure (refused, the previous set stays).',
      labelNames: ['outcome'],
      registers: [metrics.registry],
      collect() {
        this.reset();
        this.inc({ outcome: 'success' }, tls.certificates.reloads.success);
        this.inc({ outcome: 'failure' }, tls.certificates.reloads.failure);
      },
    });
  }

  close(): void {
    this.certificates.close();
  }
}

/**
 * grpc-js's CertificateProvider over the reloading set. Listeners are called back asynchronously: grpc-js adds its
 * own watcher only after it has registered with the provider, so a synchronous first call would go unheard and
 * the server would refuse every connection as having no credentials.
 */
class ReloadingCertificateProvider implements experimental.CertificateProvider {
  private readonly ca = new Map<experimental.CaCertificateUpdateListener, () => void>();
  private readonly identity = new Map<experimental.IdentityCertificateUpdateListener, () => void>();

  constructor(private readonly tls: ServerTls) {}

  addCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    const send = (material: TlsMaterial): void => listener(material.ca ? { caCertificate: material.ca } : null);
    this.ca.set(listener, this.tls.onChange(send));
    queueMicrotask(() => this.ca.has(listener) && send(this.tls.current));
  }

  removeCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    this.ca.get(listener)?.();
    this.ca.delete(listener);
  }

  addIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    const send = (material: TlsMaterial): void => listener(material.cert && material.key ? { certificate: material.cert, privateKey: material.key } : null);
    this.identity.set(listener, this.tls.onChange(send));
    queueMicrotask(() => this.identity.has(listener) && send(this.tls.current));
  }

  removeIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.identity.get(listener)?.();
    this.identity.delete(listener);
  }
}
