import { createWriteStream, type WriteStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { ExportInterrupted, exportLog, type ExportProgress } from '../log-export.js';
import { ImportFailed, ImportRefused, checkExport, fileLines, importLog, type ImportProgress } from '../log-import.js';
import { EXIT, UsageError, parseFlags, stringFlag } from './cli-args.js';
import type { CommandContext } from './command-context.js';

/** Progress lines on stderr at most this often. */
const PROGRESS_EVERY_MS = 1000;

/** `audit export [--out FILE]`: the log as NDJSON, to a file or stdout. */
export async function exportCommand(args: readonly string[], ctx: CommandContext): Promise<number> {
  const flags = parseFlags('export', args, { out: { type: 'string' } });
  const path = stringFlag(flags, 'out');
  // Open the file before the store: a path that cannot be written is the user's to fix, and nothing is read.
  const file = path === undefined ? undefined : await openForWriting(path);
  const out = file ?? ctx.io.stdout;
  let writeError: NodeJS.ErrnoException | undefined;
  file?.on('error', (error) => (writeError = error));
  const store = await ctx.store();
  const started = Date.now();
  const progress = throttled<ExportProgress>((p) => ctx.note(`exported ${p.events} events (position ${p.position} of ${p.head})`));
  try {
    const done = await exportLog(store, out, { onProgress: progress });
    if (file) await closeFile(file);
    const where = path === undefined ? 'stdout' : path;
    ctx.note(`exported ${done.events} events up to position ${done.head} to ${where} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return EXIT.ok;
  } catch (error) {
    file?.destroy();
    if (error instanceof ExportInterrupted || writeError) {
      const why = writeError ? `cannot write ${path}: ${writeError.code ?? writeError.message}` : error instanceof Error ? error.message : String(error);
      ctx.note(`export failed: ${why}`);
      return EXIT.failed;
    }
    throw error;
  }
}

/** `audit import --in FILE`: seeds the (empty) store the environment names. */
export async function importCommand(args: readonly string[], ctx: CommandContext): Promise<number> {
  const flags = parseFlags('import', args, { in: { type: 'string' } });
  const path = stringFlag(flags, 'in');
  if (path === undefined) throw new UsageError('import: --in FILE is required: the export to read');
  try {
    await access(path, constants.R_OK);
  } catch (error) {
    throw new UsageError(`import: cannot read --in ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const started = Date.now();
  const progress = throttled<ImportProgress>((p) => ctx.note(`imported ${p.events} of ${p.total} events`));
  try {
    // The file first: a bad line is reported without touching (or even creating) the store.
    const checked = await checkExport(fileLines(path));
    const store = await ctx.store();
    const done = await importLog(store, fileLines(path), { onProgress: progress, checked });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    ctx.note(`imported ${done.events} events into ${done.streams} streams in ${seconds} s; the store's head is now ${done.head}`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ImportRefused) throw new UsageError(`import: ${error.message}; nothing was written`);
    if (error instanceof ImportFailed) {
      ctx.note(`import: ${error.message}`);
      return EXIT.failed;
    }
    throw error;
  }
}

function openForWriting(path: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const file = createWriteStream(path);
    file.once('open', () => {
      file.off('error', failed);
      resolve(file);
    });
    const failed = (error: NodeJS.ErrnoException) => reject(new UsageError(`export: cannot write --out ${path}: ${error.code ?? error.message}`));
    file.once('error', failed);
  });
}

/** Ends the file and waits until it is flushed and closed. */
function closeFile(file: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    file.once('error', reject);
    file.end(() => resolve());
  });
}

/** Calls `report` at most once per PROGRESS_EVERY_MS. */
function throttled<T>(report: (value: T) => void): (value: T) => void {
  let last = Date.now();
  return (value) => {
    const now = Date.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    report(value);
  };
}
