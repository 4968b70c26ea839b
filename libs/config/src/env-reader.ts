import { isIP } from 'node:net';
import { InvalidConfigError, maskCredentials, type ConfigProblem } from './config-problem.js';

/** The process environment, or any map of variable names to values (tests pass a plain object). */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface IntegerRange {
  min: number;
  max: number;
  /** Appended to the "expected" text, e.g. "0 = any free port". */
  note?: string;
}

export interface ReadOptions {
  /** The value may hold a password: problems show it with credentials masked. */
  secret?: boolean;
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Reads typed values from environment variables and collects every problem instead of stopping at the first, so
 * an operator fixes all of them in one go. Each read returns a usable value even when the variable is bad (its
 * default), so parsing carries on; `finish` then throws one InvalidConfigError listing them all.
 *
 * A variable that is unset, empty or only blanks counts as unset and takes its default: Kubernetes manifests and
 * compose files often write `NAME: ""` to mean "not set".
 */
export class EnvReader {
  private readonly found: ConfigProblem[] = [];

  constructor(private readonly env: Environment) {}

  get problems(): readonly ConfigProblem[] {
    return this.found;
  }

  /** The trimmed value, or undefined when unset or blank. */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** Records that `name` holds `value`, which is not allowed; `expected` says what is. */
  invalid(name: string, value: string, expected: string, options: ReadOptions = {}): void {
    const shown = options.secret ? maskCredentials(value) : value;
    this.found.push({ variable: name, value: shown, message: `${name}=${JSON.stringify(shown)} is not allowed: expected ${expected}` });
  }

  /** Records that `name` must be set; `why` says when and to what, e.g. "when STORE=postgres: a postgres:// URL". */
  missing(name: string, why: string): void {
    this.found.push({ variable: name, message: `${name} is not set: it is required ${why}` });
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  integer(name: string, fallback: number, range: IntegerRange): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^[+-]?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (Number.isSafeInteger(parsed) && parsed >= range.min && parsed <= range.max) return parsed;
    const note = range.note ? ` (${range.note})` : '';
    this.invalid(name, value, `an integer from ${range.min} to ${range.max}${note}`);
    return fallback;
  }

  /** A TCP port to listen on; 0 asks the system for any free port. */
  port(name: string, fallback: number): number {
    return this.integer(name, fallback, { min: 0, max: 65535, note: '0 = any free port' });
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.invalid(name, value, `one of ${allowed.join(', ')}`);
    return fallback;
  }

  /** An address to listen on: an IPv4 or IPv6 literal, or a host name. */
  listenAddress(name: string, fallback: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (isIP(value) !== 0 || HOST_NAME.test(value)) return value;
    this.invalid(
      name,
      value,
      'an IP address or host name to listen on, e.g. 127.0.0.1 (this machine only), 0.0.0.0 (all IPv4 interfaces) or :: (all interfaces)',
    );
    return fallback;
  }

  /**
   * A URL whose scheme is one of `schemes` (without "://"), required when `requiredWhen` is given, e.g.
   * "when STORE=postgres". Returns undefined when unset and not required, or when invalid.
   */
  url(name: string, schemes: readonly string[], options: ReadOptions & { requiredWhen?: string } = {}): string | undefined {
    const value = this.raw(name);
    const expected = schemes.map((s) => `${s}://`).join(', ');
    if (value === undefined) {
      if (options.requiredWhen) this.missing(name, `${options.requiredWhen}: a URL starting with ${expected}`);
      return undefined;
    }
    const scheme = /^([a-z][a-z0-9+.-]*):\/\/[^\s]+$/i.exec(value)?.[1]?.toLowerCase();
    if (scheme !== undefined && schemes.includes(scheme)) return value;
    this.invalid(name, value, `a URL starting with ${expected}`, options);
    return undefined;
  }

  /** Throws InvalidConfigError listing every problem found so far; otherwise returns `config`. */
  finish<T>(config: T): T {
    if (this.found.length > 0) throw new InvalidConfigError([...this.found]);
    return config;
  }
}
