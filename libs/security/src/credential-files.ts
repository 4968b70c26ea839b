import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Credentials } from './authenticator.js';
import { parseHmacSecret, parsePublicKeys, type JwtPublicKey } from './jwt-keys.js';
import { describeFileProblems, parseTokenFile, type FileProblem } from './token-file.js';
import { TokenTable } from './token-table.js';

/** The files credentials come from (absolute paths); each is optional. */
export interface CredentialFiles {
  /** AUTH_TOKENS_FILE */
  tokens?: string;
  /** AUTH_JWT_KEYS_FILE */
  jwtKeys?: string;
  /** AUTH_JWT_SECRET_FILE */
  jwtSecret?: string;
}

export type CredentialFile = keyof CredentialFiles;
export const CREDENTIAL_FILES: readonly CredentialFile[] = ['tokens', 'jwtKeys', 'jwtSecret'];

export const CREDENTIAL_VARIABLES: Readonly<Record<CredentialFile, string>> = {
  tokens: 'AUTH_TOKENS_FILE',
  jwtKeys: 'AUTH_JWT_KEYS_FILE',
  jwtSecret: 'AUTH_JWT_SECRET_FILE',
};

/** One file that cannot be used, and why (every bad line of it). */
export interface CredentialFileProblem {
  variable: string;
  path: string;
  message: string;
}

/** What each file holds once read and checked. */
interface FileContents {
  tokens: TokenTable;
  jwtKeys: JwtPublicKey[];
  jwtSecret: Buffer;
}

/** One file read: its contents or its problem, and the SHA-256 of what was read (a reload compares it). */
export type FileLoad<K extends CredentialFile> =
  | { ok: true; value: FileContents[K]; fingerprint: string }
  | { ok: false; problem: CredentialFileProblem; fingerprint: string };

export type ReadFile = (path: string) => Buffer;

/** Reads and checks one credential file. */
export function loadCredentialFile<K extends CredentialFile>(name: K, path: string, read: ReadFile = readFileSync): FileLoad<K> {
  const refuse = (message: string, fingerprint: string): FileLoad<K> => ({ ok: false, problem: { variable: CREDENTIAL_VARIABLES[name], path, message }, fingerprint });
  let bytes: Buffer;
  try {
    bytes = read(path);
  } catch (error) {
    const message = `cannot be read: ${(error as Error).message}`;
    return refuse(message, createHash('sha256').update(message).digest('hex'));
  }
  const fingerprint = createHash('sha256').update(bytes).digest('hex');
  const parsed = parseContents(name, bytes);
  return parsed.ok ? { ok: true, value: parsed.value as FileContents[K], fingerprint } : refuse(describeFileProblems(parsed.problems), fingerprint);
}

function parseContents(name: CredentialFile, bytes: Buffer): { ok: true; value: FileContents[CredentialFile] } | { ok: false; problems: FileProblem[] } {
  switch (name) {
    case 'tokens': {
      const parsed = parseTokenFile(bytes.toString('utf8'));
      return parsed.ok ? { ok: true, value: TokenTable.of(parsed.entries) } : parsed;
    }
    case 'jwtKeys': {
      const parsed = parsePublicKeys(bytes.toString('utf8'));
      return parsed.ok ? { ok: true, value: parsed.keys } : parsed;
    }
    case 'jwtSecret': {
      const parsed = parseHmacSecret(bytes);
      return parsed.ok ? { ok: true, value: parsed.secret } : parsed;
    }
  }
}

export type Fingerprints = Partial<Record<CredentialFile, string>>;

export type CredentialsLoad =
  | { ok: true; credentials: Credentials; fingerprints: Fingerprints }
  | { ok: false; problems: CredentialFileProblem[]; fingerprints: Fingerprints };

/** Reads every configured file; any problem in any of them refuses the start (each named). */
export function loadCredentials(files: CredentialFiles, read: ReadFile = readFileSync): CredentialsLoad {
  const problems: CredentialFileProblem[] = [];
  const fingerprints: Fingerprints = {};
  const credentials: Credentials = { tokens: new TokenTable(), jwt: { publicKeys: [] } };
  for (const name of CREDENTIAL_FILES) {
    const path = files[name];
    if (path === undefined) continue;
    const load = loadCredentialFile(name, path, read);
    fingerprints[name] = load.fingerprint;
    if (load.ok) withFile(credentials, name, load.value);
    else problems.push(load.problem);
  }
  return problems.length > 0 ? { ok: false, problems, fingerprints } : { ok: true, credentials, fingerprints };
}

/** `credentials` with one file's contents put in. */
export function withFile<K extends CredentialFile>(credentials: Credentials, name: K, value: FileContents[K]): Credentials {
  if (name === 'tokens') credentials.tokens = value as TokenTable;
  else if (name === 'jwtKeys') credentials.jwt = { ...credentials.jwt, publicKeys: value as JwtPublicKey[] };
  else credentials.jwt = { ...credentials.jwt, secret: value as Buffer };
  return credentials;
}

/** Whether any credential file is configured. */
export function hasCredentialFiles(files: CredentialFiles): boolean {
  return CREDENTIAL_FILES.some((name) => files[name] !== undefined);
}
