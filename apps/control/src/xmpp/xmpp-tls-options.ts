import type { EnvReader, ServerTlsConfig } from '#libs/config';

/** XMPP_TLS: off (plain TCP, as a TF control node without xmpp_auth_enable), on (STARTTLS offered), require. */
export const XMPP_TLS_MODES = ['off', 'on', 'require'] as const;
export type XmppTlsMode = (typeof XMPP_TLS_MODES)[number];

/*
 * | variable | default | allowed                                                                                      |
 * |----------|---------|----------------------------------------------------------------------------------------------|
 * | XMPP_TLS | off     | off; on: STARTTLS offered, then mutual TLS (§1.5), agents that stay plain are served; require: |
 * |          |         | as on, and an agent that does not start TLS is refused. on and require use TLS_CERT_FILE,    |
 * |          |         | TLS_KEY_FILE and TLS_CLIENT_CA_FILE (agents' certificates must chain to that CA)             |
 */

/**
 * XMPP_TLS (default off): the XMPP bridge's STARTTLS (xmpp-dialect.md §1.5). The dialect's TLS is mutual, as
 * Tungsten Fabric's with xmpp_auth_enable: the agent's certificate must chain to TLS_CLIENT_CA_FILE whatever
 * TLS_CLIENT_AUTH says for REST and gRPC. The bridge uses the process's one set of files (Tungsten Fabric keeps one
 * set per node), so on and require need TLS on and a client CA. Returns undefined for off.
 */
export function readXmppTlsMode(reader: EnvReader, tls: ServerTlsConfig | undefined): Exclude<XmppTlsMode, 'off'> | undefined {
  const mode = reader.oneOf('XMPP_TLS', XMPP_TLS_MODES, 'off');
  if (mode === 'off') return undefined;
  if (!tls) {
    reader.invalid('XMPP_TLS', mode, 'off unless TLS_CERT_FILE and TLS_KEY_FILE are set (and TLS_CLIENT_CA_FILE): the bridge serves TLS with those files');
    return undefined;
  }
  if (!tls.files.ca) {
    reader.invalid('XMPP_TLS', mode, 'off unless TLS_CLIENT_CA_FILE is set too: the dialect\'s TLS is mutual, agents present certificates issued by that CA');
    return undefined;
  }
  return mode;
}
