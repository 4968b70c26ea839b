import type { AuthSettings } from './auth-settings.js';
import { authStartupNotes } from './auth-settings.js';
import { Authenticator } from './authenticator.js';
import { CredentialReloader, type ReloadLog } from './credential-reloader.js';

/*
 * Authentication as a running process holds it, the same in every process that reads the AUTH_* variables (the
 * config API, the control service on its own, the all-in-one): the Authenticator of the credentials read at start,
 * the start-up lines that say what is in force, and the re-reads of the credential files.
 */

/** Where the start-up lines and the reloads' lines go. */
export interface AuthLog extends ReloadLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** The Authenticator of `settings`: the credentials read at start, anonymous access as AUTH_ANONYMOUS says. */
export function authenticatorFor(settings: AuthSettings): Authenticator {
  return new Authenticator(settings.initial.credentials, { anonymous: settings.anonymous, jwt: settings.jwt });
}

/**
 * Logs what authentication is in force (the `authentication` line, and the warning when anonymous access is on:
 * authStartupNotes) unless `quiet`, and re-reads the credential files every AUTH_RELOAD_INTERVAL_MS while the
 * process runs, so a rotated token or key needs no restart. Answers what stops the re-reads (at shutdown).
 */
export function startAuthentication(settings: AuthSettings, authenticator: Authenticator, log: AuthLog, options: { quiet?: boolean } = {}): () => void {
  if (!options.quiet) {
    for (const note of authStartupNotes(settings)) (note.level === 'warn' ? log.warn : log.info).call(log, note.fields, note.message);
  }
  if (Object.keys(settings.files).length === 0) return () => undefined;
  const reloader = new CredentialReloader(settings.files, authenticator, settings.initial.fingerprints, log);
  reloader.start(settings.reloadMs);
  return () => reloader.stop();
}
