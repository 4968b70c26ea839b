import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ConfigError } from '#libs/domain';
import type { Environment } from '#libs/config';

/** Exit codes of `npm run audit -- …`, as `audit --help` lists them. */
export const EXIT = {
  ok: 0,
  /** The store failed or could not be reached, a file could not be written, an import stopped part-way. */
  failed: 1,
  /** A bad command, flag, file or environment; or an import refused (a bad line, a non-empty store): nothing written. */
  usage: 2,
  /** verify: the two folds differ. */
  diverged: 3,
} as const;

/** Where the CLI reads and writes: the process's streams and environment, or a test's. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: Environment;
  /** What DATA_DIR resolves against. */
  cwd: string;
}

/** A command-line mistake: the CLI prints the message and a hint to --help, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
export type Flags = Record<string, string | boolean | string[] | undefined>;

/**
 * Reads `--name value` / `--name=value` / `--flag` options: anything unknown, a positional argument, a value
 * missing or empty, or an option given twice that may be given once, is a UsageError naming it.
 */
export function parseFlags(command: string, args: readonly string[], spec: FlagSpec): Flags {
  const options = { ...spec, help: { type: 'boolean' as const } };
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; tokens: true; strict: true; allowPositionals: false }>>;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name) && !spec[token.name]?.multiple) throw new UsageError(`${command}: --${token.name} is given more than once`);
    seen.add(token.name);
    if (token.value === '') throw new UsageError(`${command}: --${token.name} needs a value`);
  }
  return parsed.values as Flags;
}

export function stringFlag(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

export function stringsFlag(flags: Flags, name: string): string[] {
  const value = flags[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

export function booleanFlag(flags: Flags, name: string): boolean {
  return flags[name] === true;
}

/**
 * A 400 of the shared parsers in command-line words: the parameter it names (`from_time`) becomes the flag
 * (`--from-time`).
 */
export function usageErrorOf(command: string, error: ConfigError): UsageError {
  if (!error.field) return new UsageError(`${command}: ${error.message}`);
  const flag = `--${error.field.replace(/_/g, '-')}`;
  const message = error.message.startsWith(`${error.field} `) ? `${flag}${error.message.slice(error.field.length)}` : `${flag}: ${error.message}`;
  return new UsageError(`${command}: ${message}`);
}

/**
 * Runs `work` (sync or async), turning the config plane's 400s and 404s (a malformed value, an object that did not
 * exist at that point) into UsageErrors.
 */
export function asUsage<T>(command: string, work: () => T): T {
  const translate = (error: unknown): never => {
    if (error instanceof ConfigError && (error.status === 400 || error.status === 404)) throw usageErrorOf(command, error);
    throw error;
  };
  let result: T;
  try {
    result = work();
  } catch (error) {
    return translate(error);
  }
  return (result instanceof Promise ? result.catch(translate) : result) as T;
}

/** Writes `text`, waiting for 'drain' when the stream's buffer is full (a slow pipe holds the command back). */
export async function write(out: Writable, text: string): Promise<void> {
  if (out.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', failed);
      resolve();
    };
    const failed = (error: Error) => {
      out.off('drain', done);
      out.off('close', done);
      reject(error);
    };
    out.once('drain', done);
    out.once('close', done);
    out.once('error', failed);
  });
}
