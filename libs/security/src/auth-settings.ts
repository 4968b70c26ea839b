import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import type { EnvReader } from '#libs/config';
import { noCredentials, type Credentials } from './authenticator.js';
import { CREDENTIAL_VARIABLES, hasCredentialFiles, loadCredentials, type CredentialFiles, type Fingerprints, type ReadFile } from './credential-files.js';
import { DEFAULT_RELOAD_MS } from './credential-reloader.js';
import { describeJwtKeys } from './jwt-keys.js';
import { DEFAULT_LEEWAY_SECONDS, type JwtPolicy } from './jwt.js';
import { ANONYMOUS_ACCESS, type AnonymousAccess } from './principal.js';

/*
 * The authentication variables, shared by every process that serves REST views behind a bearer token (the
 * controller, the config API on its own, the control service on its own). Unset, empty or blank means "use the
 * default".
 *
 * | variable                 | default | allowed                                                                   |
 * |--------------------------|---------|---------------------------------------------------------------------------|
 * | AUTH_TOKENS_FILE         | -       | a file of API tokens, `<token> <actor> <role>[,<role>…]` per line          |
 * | AUTH_JWT_KEYS_FILE       | -       | PEM public keys verifying JWTs (RS256, ES256, EdDSA)                       |
 * | AUTH_JWT_SECRET_FILE     | -       | the HS256 secret (≥ 32 bytes)                                              |
 * | AUTH_JWT_ISSUER          | -       | `iss` a JWT must carry                                                     |
 * | AUTH_JWT_AUDIENCE        | -       | a value `aud` must hold                                                    |
 * | AUTH_ANONYMOUS           | see →   | off, reader, operator, admin: the role of a caller without a token.        |
 * |                          |         | Default admin when no credential file is set and BIND_ADDRESS is loopback, |
 * |                          |         | else off                                                                   |
 * | AUTH_RELOAD_INTERVAL_MS  | 5000    | 100..3600000 between two reads of the credential files                     |
 *
 * The files are read at start: a bad line stops the start (exit 2) naming the file and the line.
 */

export interface AuthSettings {
  /** Absolute paths. */
  files: CredentialFiles;
  jwt: JwtPolicy;
  anonymous: AnonymousAccess;
  /** Whether AUTH_ANONYMOUS set it, or the default did. */
  anonymousSource: 'AUTH_ANONYMOUS' | 'default';
  /** BIND_ADDRESS, for the start-up notes. */
  bindAddress: string;
  reloadMs: number;
  /** The credentials read at start, and the fingerprints of their files, which a reload compares with. */
  initial: { credentials: Credentials; fingerprints: Fingerprints };
}

const LOOPBACK_NAMES = new Set(['localhost', '::1', '0:0:0:0:0:0:0:1']);

/** 127.0.0.0/8, ::1 or localhost: only this machine can connect. */
export function isLoopbackAddress(address: string): boolean {
  const host = address.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (LOOPBACK_NAMES.has(host)) return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Reads the variables above, and the credential files they name (through `read`). Every problem goes to `reader`
 * (a file's problem names each bad line), so start-up reports them with the rest and exits 2.
 */
export function readAuthSettings(reader: EnvReader, options: { cwd: string; bindAddress: string; read?: ReadFile }): AuthSettings {
  const path = (name: string): string | undefined => {
    const value = reader.raw(name);
    return value === undefined ? undefined : isAbsolute(value) ? value : resolve(options.cwd, value);
  };
  const files: CredentialFiles = {};
  const tokens = path(CREDENTIAL_VARIABLES.tokens);
  if (tokens !== undefined) files.tokens = tokens;
  const jwtKeys = path(CREDENTIAL_VARIABLES.jwtKeys);
  if (jwtKeys !== undefined) files.jwtKeys = jwtKeys;
  const jwtSecret = path(CREDENTIAL_VARIABLES.jwtSecret);
  if (jwtSecret !== undefined) files.jwtSecret = jwtSecret;

  const jwt: JwtPolicy = { leewaySeconds: DEFAULT_LEEWAY_SECONDS };
  const issuer = reader.raw('AUTH_JWT_ISSUER');
  const audience = reader.raw('AUTH_JWT_AUDIENCE');
  const acceptsJwt = files.jwtKeys !== undefined || files.jwtSecret !== undefined;
  for (const [name, value] of [['AUTH_JWT_ISSUER', issuer], ['AUTH_JWT_AUDIENCE', audience]] as const) {
    if (value !== undefined && !acceptsJwt) reader.invalid(name, value, 'to be set only with AUTH_JWT_KEYS_FILE or AUTH_JWT_SECRET_FILE: no JWT is accepted without a key');
  }
  if (issuer !== undefined) jwt.issuer = issuer;
  if (audience !== undefined) jwt.audience = audience;

  const loopback = isLoopbackAddress(options.bindAddress);
  const fallback: AnonymousAccess = !hasCredentialFiles(files) && loopback ? 'admin' : 'off';
  const anonymous = reader.oneOf('AUTH_ANONYMOUS', ANONYMOUS_ACCESS, fallback);
  const anonymousSource = reader.raw('AUTH_ANONYMOUS') === undefined ? 'default' : 'AUTH_ANONYMOUS';
  const reloadMs = reader.integer('AUTH_RELOAD_INTERVAL_MS', DEFAULT_RELOAD_MS, { min: 100, max: 3_600_000, note: 'milliseconds' });

  const load = loadCredentials(files, options.read);
  if (!load.ok) {
    for (const problem of load.problems) reader.invalid(problem.variable, problem.path, `a usable file; ${problem.message}`);
  }
  const initial = { credentials: load.ok ? load.credentials : noCredentials(), fingerprints: load.fingerprints };
  return { files, jwt, anonymous, anonymousSource, bindAddress: options.bindAddress, reloadMs, initial };
}


/** A log line of the start: what authentication is in force, and a warning where access is open. */
export interface StartupNote {
  level: 'info' | 'warn';
  message: string;
  fields: Record<string, unknown>;
}

/** The start-up log lines for `settings` (pure, so they are tested as they are written). */
export function authStartupNotes(settings: AuthSettings): StartupNote[] {
  const { credentials } = settings.initial;
  const fields = {
    tokens: credentials.tokens.size,
    jwtKeys: describeJwtKeys(credentials.jwt),
    anonymous: settings.anonymous,
    ...(settings.jwt.issuer !== undefined ? { issuer: settings.jwt.issuer } : {}),
    ...(settings.jwt.audience !== undefined ? { audience: settings.jwt.audience } : {}),
  };
  const notes: StartupNote[] = [{ level: 'info', message: 'authentication', fields }];
  if (settings.anonymous === 'off') return notes;
  if (settings.anonymousSource === 'default') {
    notes.push({ level: 'warn', message: `anonymous access as ${settings.anonymous}: loopback only, no credentials configured`, fields: { bindAddress: settings.bindAddress } });
  } else if (!isLoopbackAddress(settings.bindAddress)) {
    notes.push({
      level: 'warn',
      message: `anonymous access as ${settings.anonymous} on ${settings.bindAddress}, which is not loopback: any caller that reaches the ports without a token gets it`,
      fields: { bindAddress: settings.bindAddress },
    });
  }
  return notes;
}
