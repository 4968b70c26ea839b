import { isAbsolute, resolve } from 'node:path';
import type { EnvReader } from './env-reader.js';
import { TlsFileError, loadTlsMaterial, type TlsFile, type TlsFileSet, type TlsMaterial } from './tls-material.js';

/** How a TLS server treats client certificates. */
export const TLS_CLIENT_AUTH_MODES = ['none', 'optional', 'require'] as const;
export type TlsClientAuth = (typeof TLS_CLIENT_AUTH_MODES)[number];

/**
 * TLS of a process's REST and gRPC listeners (and of the XMPP bridge when XMPP_TLS asks for it): the files, re-read
 * when they change (libs/platform's TlsCertificates), and what is asked of clients.
 */
export interface ServerTlsConfig {
  files: { cert: TlsFile; key: TlsFile; ca?: TlsFile };
  /**
   * none: no client certificate asked for; optional: asked for, and one that verifies against the CA identifies the
   * client, while a client without one (or with one that does not verify) is served as anonymous; require: a client
   * without a certificate that verifies is refused in the handshake.
   */
  clientAuth: TlsClientAuth;
}

/** TLS of a gRPC client: the CA its server's certificate is checked against, and its own certificate if any. */
export interface ClientTlsConfig {
  files: TlsFileSet;
  /** As read at start (a client does not re-read its files). */
  material: TlsMaterial;
}

/*
 * | variable           | default                           | allowed                                                       |
 * |--------------------|-----------------------------------|---------------------------------------------------------------|
 * | TLS_CERT_FILE      | -                                 | PEM certificate chain, leaf first; with TLS_KEY_FILE: TLS on  |
 * | TLS_KEY_FILE       | -                                 | PEM private key (unencrypted) of that certificate             |
 * | TLS_CLIENT_CA_FILE | -                                 | PEM CA certificates that client certificates must chain to    |
 * | TLS_CLIENT_AUTH    | require with a client CA, else none | none, optional, require (optional and require need the CA) |
 */

/**
 * TLS_CERT_FILE, TLS_KEY_FILE, TLS_CLIENT_CA_FILE, TLS_CLIENT_AUTH: undefined when TLS is off (neither file set).
 * Relative paths resolve against `cwd`. The files are read and checked now (a missing or unreadable file, one that
 * is not PEM, a key that does not belong to the certificate is a problem naming its variable), so a bad set stops
 * the start with exit code 2 instead of failing the first handshake.
 */
export function readServerTlsConfig(env: EnvReader, cwd: string): ServerTlsConfig | undefined {
  const cert = fileVariable(env, 'TLS_CERT_FILE', cwd);
  const key = fileVariable(env, 'TLS_KEY_FILE', cwd);
  const ca = fileVariable(env, 'TLS_CLIENT_CA_FILE', cwd);
  const clientAuthText = env.raw('TLS_CLIENT_AUTH');
  if (cert === undefined && key === undefined) {
    if (ca) env.invalid(ca.variable, ca.path, 'no client CA while TLS is off: set TLS_CERT_FILE and TLS_KEY_FILE too');
    if (clientAuthText !== undefined) env.invalid('TLS_CLIENT_AUTH', clientAuthText, 'no value while TLS is off: set TLS_CERT_FILE and TLS_KEY_FILE too');
    return undefined;
  }
  if (cert === undefined) env.missing('TLS_CERT_FILE', 'when TLS_KEY_FILE is set: the PEM certificate chain of that key');
  if (key === undefined) env.missing('TLS_KEY_FILE', 'when TLS_CERT_FILE is set: the PEM private key of that certificate');
  const clientAuth = env.oneOf('TLS_CLIENT_AUTH', TLS_CLIENT_AUTH_MODES, ca ? 'require' : 'none');
  if (clientAuth !== 'none' && ca === undefined && clientAuthText !== undefined) {
    env.invalid('TLS_CLIENT_AUTH', clientAuthText, 'none unless TLS_CLIENT_CA_FILE names the CA client certificates are checked against');
  }
  if (cert === undefined || key === undefined) return undefined;
  const files = { cert, key, ...(ca ? { ca } : {}) };
  checkFiles(env, files);
  return { files, clientAuth };
}

/**
 * A gRPC client's TLS from `<prefix>_CA_FILE`, `<prefix>_CERT_FILE`, `<prefix>_KEY_FILE` (e.g. CONFIG_API_TLS):
 * undefined when none is set (plain TCP). The CA alone checks the server; a certificate and key (both or neither)
 * are presented to a server that asks. Read and checked now.
 */
export function readClientTlsConfig(env: EnvReader, prefix: string, cwd: string): ClientTlsConfig | undefined {
  const named = (variable: string): NamedPath => ({ variable, path: fileVariable(env, variable, cwd)?.path });
  return clientTlsOf(env, { ca: named(`${prefix}_CA_FILE`), cert: named(`${prefix}_CERT_FILE`), key: named(`${prefix}_KEY_FILE`) });
}

/** A file setting by its name (a variable or a flag), and its absolute path when given. */
export interface NamedPath {
  variable: string;
  path: string | undefined;
}

/**
 * A client's TLS from paths named otherwise (command-line flags, e.g. --tls-ca): undefined when none is given.
 * Problems go to `env`, whose finish() throws them.
 */
export function clientTlsOf(env: EnvReader, names: { ca: NamedPath; cert: NamedPath; key: NamedPath }): ClientTlsConfig | undefined {
  const { ca, cert, key } = names;
  if (ca.path === undefined && cert.path === undefined && key.path === undefined) return undefined;
  if (cert.path !== undefined && key.path === undefined) env.missing(key.variable, `when ${cert.variable} is set: the PEM private key of that certificate`);
  if (key.path !== undefined && cert.path === undefined) env.missing(cert.variable, `when ${key.variable} is set: the PEM certificate of that key`);
  if ((cert.path === undefined) !== (key.path === undefined)) return undefined;
  const set: TlsFileSet = {};
  for (const [slot, named] of [['ca', ca], ['cert', cert], ['key', key]] as const) {
    if (named.path !== undefined) set[slot] = { variable: named.variable, path: named.path };
  }
  const material = checkFiles(env, set);
  return material ? { files: set, material } : undefined;
}

/** A path variable, resolved against `cwd`; undefined when unset. */
function fileVariable(env: EnvReader, variable: string, cwd: string): TlsFile | undefined {
  const value = env.raw(variable);
  if (value === undefined) return undefined;
  return { variable, path: isAbsolute(value) ? value : resolve(cwd, value) };
}

function checkFiles(env: EnvReader, files: TlsFileSet): TlsMaterial | undefined {
  try {
    return loadTlsMaterial(files);
  } catch (error) {
    if (!(error instanceof TlsFileError)) throw error;
    env.invalid(error.variable, error.path, `a readable PEM file, but ${error.problem}`);
    return undefined;
  }
}
