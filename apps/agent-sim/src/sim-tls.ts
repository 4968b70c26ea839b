import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { isAbsolute, resolve } from 'node:path';
import { EnvReader, clientTlsOf } from '#libs/config';
import { UsageError, type SimArgs } from './cli-args.js';
import type { XmppAgentTls } from './xmpp/xmpp-agent.js';

/** The agents' TLS to control, from --tls-ca, --tls-cert, --tls-key: as gRPC credentials and for XMPP's STARTTLS. */
export interface SimTls {
  grpc: ChannelCredentials;
  xmpp: XmppAgentTls;
}

/**
 * Reads and checks the --tls-* files (PEM, a key that belongs to the certificate); a problem is a UsageError
 * naming the flag and the file (exit 2). Undefined without TLS flags.
 */
export function simTlsOf(flags: SimArgs['tls'], cwd = process.cwd()): SimTls | undefined {
  if (!flags) return undefined;
  const path = (value: string | undefined) => (value === undefined ? undefined : isAbsolute(value) ? value : resolve(cwd, value));
  const reader = new EnvReader({});
  const config = clientTlsOf(reader, {
    ca: { variable: '--tls-ca', path: path(flags.ca) },
    cert: { variable: '--tls-cert', path: path(flags.cert) },
    key: { variable: '--tls-key', path: path(flags.key) },
  });
  if (reader.problems.length > 0 || !config) throw new UsageError(reader.problems.map((problem) => problem.message).join('; '));
  const { ca, cert, key } = config.material;
  return {
    grpc: credentials.createSsl(ca ?? null, key ?? null, cert ?? null),
    xmpp: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) },
  };
}
