import type { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { XmppLog } from './xmpp-bridge.js';

/** The process's TLS files as the bridge follows them (libs/platform's ServerTls fits). */
export interface XmppTlsSource {
  readonly current: { cert?: Buffer; key?: Buffer; ca?: Buffer };
  /** Calls back with every reloaded set; returns the way to stop. */
  onChange(listener: (material: { cert?: Buffer; key?: Buffer; ca?: Buffer }) => void): () => void;
}

/** XMPP_TLS on or require, and the files to serve it with. */
export interface XmppTlsOptions {
  mode: 'on' | 'require';
  certificates: XmppTlsSource;
}

/** How an upgrade ends: one of the two, once. */
export interface UpgradeHandlers {
  /** The handshake succeeded and the agent's certificate chains to the CA: the stream goes on over `socket`. */
  secured(socket: TLSSocket, peer: X509Certificate): void;
  /** It did not (no certificate, an untrusted one, a TLS error, the connection closed): the socket is gone. */
  failed(reason: string): void;
}

interface Pending {
  raw: Socket;
  handlers: UpgradeHandlers;
  /** The TLS error seen for this connection, if any, told when its socket closes. */
  error?: string;
}

/**
 * The server side of §1.5 step 5 on sockets already open: a Node tls.Server that never listens is handed each
 * socket after <proceed/> ('connection'), so the handshake gets the server's whole treatment (its secure context,
 * kept current with setSecureContext on every reload; the check of the client's certificate against the CA).
 * Mutual TLS as Tungsten Fabric runs it: a client certificate is asked for and must verify. The server is told not
 * to reject unverified ones itself, so that the refusal happens here, with the socket still up to say who it was
 * and why (no certificate; not issued by the CA: UNABLE_TO_VERIFY_LEAF_SIGNATURE …).
 */
export class XmppTlsUpgrade {
  private readonly server: Server;
  private readonly pending = new Map<string, Pending>();
  private readonly unfollow: () => void;

  constructor(
    source: XmppTlsSource,
    private readonly log: XmppLog,
  ) {
    this.server = createServer({ ...contextOf(source.current), requestCert: true, rejectUnauthorized: false });
    this.server.on('secureConnection', (socket) => this.onSecure(socket));
    this.server.on('tlsClientError', (error, socket) => this.onTlsError(error, socket));
    this.unfollow = source.onChange((material) => {
      try {
        this.server.setSecureContext(contextOf(material));
      } catch (error) {
        this.log('warn', 'xmpp TLS: the reloaded certificate could not be installed; the bridge keeps the previous one', { error: (error as Error).message });
      }
    });
  }

  /**
   * Runs the handshake on `raw`, whose own listeners the caller has removed (the TLS socket reads it from now on).
   * Exactly one of the handlers is called.
   */
  upgrade(raw: Socket, handlers: UpgradeHandlers): void {
    const key = keyOf(raw.remoteAddress, raw.remotePort);
    const entry: Pending = { raw, handlers };
    this.pending.set(key, entry);
    raw.once('close', () => {
      if (this.pending.get(key) !== entry) return;
      this.pending.delete(key);
      handlers.failed(entry.error ?? 'the connection closed during the TLS handshake');
    });
    this.server.emit('connection', raw);
  }

  /** Stops following the files. */
  close(): void {
    this.unfollow();
  }

  private onSecure(socket: TLSSocket): void {
    const key = keyOf(socket.remoteAddress, socket.remotePort);
    const entry = this.pending.get(key);
    if (entry === undefined) {
      socket.destroy();
      return;
    }
    const peer = socket.getPeerX509Certificate();
    if (socket.authorized && peer !== undefined) {
      this.pending.delete(key);
      entry.handlers.secured(socket, peer);
      return;
    }
    // The raw socket's close tells the handlers, with this reason.
    entry.error =
      peer === undefined
        ? 'the agent presented no client certificate, and the dialect\'s TLS is mutual (§1.5)'
        : `the agent's certificate (${peer.subject.replaceAll('\n', ', ')}, issuer ${peer.issuer.replaceAll('\n', ', ')}) does not verify against TLS_CLIENT_CA_FILE: ${socket.authorizationError}`;
    socket.destroy();
  }

  private onTlsError(error: Error, socket: TLSSocket): void {
    const entry = this.pending.get(keyOf(socket.remoteAddress, socket.remotePort));
    if (entry === undefined) return;
    // OpenSSL's errors carry a readable reason ("wrong version number") and a code beside their long message.
    const { reason, code } = error as Error & { reason?: string; code?: string };
    entry.error ??= reason ? `${reason}${code ? ` (${code})` : ''}` : error.message.trim().split('\n')[0];
  }
}

function keyOf(address: string | undefined, port: number | undefined): string {
  return `${address ?? '?'}|${port ?? '?'}`;
}

function contextOf(material: { cert?: Buffer; key?: Buffer; ca?: Buffer }): { cert?: Buffer; key?: Buffer; ca?: Buffer } {
  return { cert: material.cert, key: material.key, ca: material.ca };
}
