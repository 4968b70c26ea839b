import { createHash } from 'node:crypto';
import { ANONYMOUS_ACTOR, UNAUTHENTICATED_ACTOR } from './principal.js';
import { clusterOfRole, parseRole, ROLE_SYNTAX, type Role } from './roles.js';

/*
 * AUTH_TOKENS_FILE: static API tokens, one per line
 *
 *   <token> <actor> <role>[,<role>…]
 *
 * separated by blanks; a line whose first non-blank character is `#` is a comment, blank lines are skipped. A token
 * is at least MIN_TOKEN_LENGTH characters with no blank in it; the actor is what event metadata records. A
 * kubemanager's token has the single role kubemanager:<cluster> and the actor kubemanager:<cluster> (its events
 * must say which cluster wrote them). Two lines may give the same actor (two tokens while one is rotated out), not
 * the same token. Problems name the line, never the token.
 */

export const MIN_TOKEN_LENGTH = 16;
export const TOKEN_LINE_SYNTAX = '<token> <actor> <role>[,<role>…]';

/** A token as kept in memory: its SHA-256, never its text. */
export interface TokenEntry {
  digest: Buffer;
  actor: string;
  roles: Role[];
}

export interface FileProblem {
  /** 1-based; undefined for a problem of the whole file. */
  line?: number;
  message: string;
}

export type TokenFileParse = { ok: true; entries: TokenEntry[] } | { ok: false; problems: FileProblem[] };

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Reads the text of a token file; every bad line is a problem, and any problem refuses the whole file. */
export function parseTokenFile(text: string): TokenFileParse {
  const entries: TokenEntry[] = [];
  const problems: FileProblem[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === '' || content.startsWith('#')) return;
    const problem = (message: string) => problems.push({ line, message });
    const fields = content.split(/\s+/);
    if (fields.length !== 3) {
      problem(`expected ${TOKEN_LINE_SYNTAX}, found ${fields.length} field${fields.length === 1 ? '' : 's'}`);
      return;
    }
    const [token, actor, roleList] = fields as [string, string, string];
    if (token.length < MIN_TOKEN_LENGTH) {
      problem(`the token is shorter than ${MIN_TOKEN_LENGTH} characters (${token.length})`);
      return;
    }
    if (actor === ANONYMOUS_ACTOR || actor === UNAUTHENTICATED_ACTOR) {
      problem(`the actor ${JSON.stringify(actor)} is reserved: the audit trail uses it for callers without credentials`);
      return;
    }
    const roles: Role[] = [];
    for (const name of roleList.split(',')) {
      const role = parseRole(name);
      if (role === undefined) {
        problem(`unknown role ${JSON.stringify(name)}: expected ${ROLE_SYNTAX}`);
        return;
      }
      if (!roles.includes(role)) roles.push(role);
    }
    const scoped = kubemanagerProblem(actor, roles);
    if (scoped) {
      problem(scoped);
      return;
    }
    const digest = tokenDigest(token);
    const key = digest.toString('hex');
    const first = seen.get(key);
    if (first !== undefined) {
      problem(`the same token as line ${first}: every token must be different`);
      return;
    }
    seen.set(key, line);
    entries.push({ digest, actor, roles });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, entries };
}

/**
 * A kubemanager's credentials name one cluster and act as that cluster's kubemanager: the role alone, and the actor
 * kubemanager:<cluster>. Undefined when the roles hold no kubemanager role, or hold one as it must be.
 */
export function kubemanagerProblem(actor: string, roles: readonly Role[]): string | undefined {
  const clusters = roles.map(clusterOfRole).filter((c) => c !== undefined);
  if (clusters.length === 0) return undefined;
  if (roles.length > 1) return `a kubemanager:<cluster> role cannot be combined with another role (${roles.join(', ')})`;
  if (actor !== roles[0]) return `the actor of a ${roles[0]} credential must be ${roles[0]}, not ${JSON.stringify(actor)}`;
  return undefined;
}

/** "line 3: …; line 7: …" */
export function describeFileProblems(problems: readonly FileProblem[]): string {
  return problems.map((p) => (p.line === undefined ? p.message : `line ${p.line}: ${p.message}`)).join('; ');
}
