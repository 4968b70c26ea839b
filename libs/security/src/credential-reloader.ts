import { readFileSync } from 'node:fs';
import type { Authenticator } from './authenticator.js';
import { CREDENTIAL_FILES, loadCredentialFile, withFile, type CredentialFiles, type Fingerprints, type ReadFile } from './credential-files.js';
import { describeJwtKeys } from './jwt-keys.js';

export interface ReloadLog {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const DEFAULT_RELOAD_MS = 5000;

/**
 * Re-reads the credential files every `intervalMs`, so a rotated token or key needs no restart. Reading a few small
 * files is cheaper and surer than watching them: Kubernetes swaps a mounted Secret by moving a symlink, which
 * fs.watch may not report. Each file stands on its own: a good new file takes effect at the next read, a bad one
 * keeps what that file gave before (the other files still rotate) and is logged once, until its contents change.
 */
export class CredentialReloader {
  private timer: NodeJS.Timeout | undefined;
  private readonly fingerprints: Fingerprints;

  constructor(
    private readonly files: CredentialFiles,
    private readonly authenticator: Authenticator,
    /** What the credentials in force were read from. */
    fingerprints: Fingerprints,
    private readonly log: ReloadLog,
    private readonly read: ReadFile = readFileSync,
  ) {
    this.fingerprints = { ...fingerprints };
  }

  start(intervalMs: number = DEFAULT_RELOAD_MS): void {
    this.stop();
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the files now; answers whether anything was taken, refused, or nothing changed. */
  check(): 'unchanged' | 'reloaded' | 'rejected' {
    let outcome: 'unchanged' | 'reloaded' | 'rejected' = 'unchanged';
    const current = this.authenticator.credentials;
    const next = { tokens: current.tokens, jwt: { ...current.jwt } };
    for (const name of CREDENTIAL_FILES) {
      const path = this.files[name];
      if (path === undefined) continue;
      const load = loadCredentialFile(name, path, this.read);
      if (load.fingerprint === this.fingerprints[name]) continue;
      this.fingerprints[name] = load.fingerprint;
      if (!load.ok) {
        const { variable, message } = load.problem;
        this.log.error({ variable, path, problem: message }, 'credential file rejected: the previous credentials stay in force');
        if (outcome === 'unchanged') outcome = 'rejected';
        continue;
      }
      withFile(next, name, load.value);
      outcome = 'reloaded';
    }
    if (outcome === 'reloaded') {
      this.authenticator.replace(next);
      this.log.info({ tokens: next.tokens.size, jwtKeys: describeJwtKeys(next.jwt) }, 'credentials reloaded');
    }
    return outcome;
  }
}
