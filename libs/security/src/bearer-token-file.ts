import { readFileSync, statSync } from 'node:fs';

/**
 * A client's bearer token kept in a file (CONFIG_API_TOKEN_FILE, --token-file): the file's one line, read at start
 * and again when the file changes (checked at most once a second, when a call asks for the token), so a rotated
 * token needs no restart. A file that turns bad keeps the token read last.
 */
export class BearerTokenFile {
  private token: string;
  private stamp: string;
  private checkedAt: number;

  /** Throws an Error saying what is wrong when the file cannot be read or holds no token. */
  constructor(
    readonly path: string,
    private readonly clock: () => number = Date.now,
  ) {
    // The stamp before the read: a change in between is seen (and read) at the next check.
    this.stamp = stampOf(path);
    this.token = readToken(path);
    this.checkedAt = clock();
  }

  /** The token, re-read first when the file changed. */
  current(): string {
    const now = this.clock();
    if (now - this.checkedAt < 1000) return this.token;
    this.checkedAt = now;
    try {
      const stamp = stampOf(this.path);
      if (stamp !== this.stamp) {
        this.token = readToken(this.path);
        this.stamp = stamp;
      }
    } catch {
      // Mid-rotation (the file briefly gone or empty): keep the token read last; the next check tries again.
    }
    return this.token;
  }

  /** `Bearer <token>`, for an Authorization header or gRPC metadata. */
  authorization(): string {
    return `Bearer ${this.current()}`;
  }
}

function stampOf(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
  } catch (error) {
    throw new Error(`the token file ${path} cannot be read: ${(error as Error).message}`);
  }
}

function readToken(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`the token file ${path} cannot be read: ${(error as Error).message}`);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length !== 1 || /\s/.test(lines[0]!)) throw new Error(`the token file ${path} must hold one token on one line`);
  return lines[0]!;
}
