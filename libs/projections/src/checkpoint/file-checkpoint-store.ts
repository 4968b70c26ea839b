import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { checkCheckpointName, CheckpointUnusableError, headerProblem, type Checkpoint, type CheckpointHeader, type CheckpointStore } from './checkpoint-store.port.js';

const FORMAT = 'contrail-checkpoint';
/**
 * 2: command records carry their time (`at`) and closed streams' revisions are left out of the state; a version 1
 * file is refused with the reason and the projection folds from 0 once.
 */
const VERSION = 2;

/** The first line of a checkpoint file: what the second line (the checkpoint as JSON) must be. */
interface FileHeader {
  format: typeof FORMAT;
  version: typeof VERSION;
  name: string;
  position: number;
  /** Length of the body in bytes, and its sha256: a torn or altered file does not pass. */
  bytes: number;
  sha256: string;
}

/**
 * Checkpoints as files, `<dir>/<name>.checkpoint`: a header line (name, position, length and sha256 of the body)
 * and the checkpoint as one line of JSON. A save writes a temporary file, fsyncs it, renames it over the old one
 * and fsyncs the directory, so a crash leaves the old checkpoint or the new one, never half of one. A file that
 * cannot be read, is torn, altered, of another format or another projection's is refused with the reason
 * (CheckpointUnusableError), never trusted.
 */
export class FileCheckpointStore<C extends CheckpointHeader = Checkpoint> implements CheckpointStore<C> {
  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, `${name}.checkpoint`);
  }

  async load(name: string): Promise<C | undefined> {
    checkCheckpointName(name);
    await this.removeTemporaries(name);
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CheckpointUnusableError(name, `${this.path(name)} cannot be read (${(error as Error).message})`);
    }
    return parseCheckpointFile<C>(name, bytes, this.path(name));
  }

  async save(name: string, checkpoint: C): Promise<void> {
    checkCheckpointName(name);
    const body = JSON.stringify(checkpoint);
    const header: FileHeader = {
      format: FORMAT,
      version: VERSION,
      name,
      position: checkpoint.position,
      bytes: Buffer.byteLength(body),
      sha256: createHash('sha256').update(body).digest('hex'),
    };
    await mkdir(this.dir, { recursive: true });
    const temporary = join(this.dir, `.${name}.checkpoint.${process.pid}.${randomUUID()}.tmp`);
    try {
      const file = await open(temporary, 'wx');
      try {
        // Each writeFile on a handle goes on from where the last one ended: no copy of the body into one buffer.
        await file.writeFile(`${JSON.stringify(header)}\n`);
        await file.writeFile(body);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, this.path(name));
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    await syncDirectory(this.dir);
  }

  /** Temporary files a crash left behind (a save still running in another process loses its rename: it retries later). */
  private async removeTemporaries(name: string): Promise<void> {
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch {
      return;
    }
    const prefix = `.${name}.checkpoint.`;
    for (const entry of entries) {
      if (entry.startsWith(prefix) && entry.endsWith('.tmp')) await unlink(join(this.dir, entry)).catch(() => undefined);
    }
  }
}

/** The checkpoint a file holds, or CheckpointUnusableError saying why it holds none that can be trusted. */
export function parseCheckpointFile<C extends CheckpointHeader>(name: string, bytes: Buffer, path: string): C {
  const unusable = (reason: string) => new CheckpointUnusableError(name, `${path}: ${reason}`);
  const newline = bytes.indexOf(0x0a);
  if (newline < 0) throw unusable('it has no header line (empty or torn file)');
  let header: Partial<FileHeader>;
  try {
    header = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as Partial<FileHeader>;
  } catch {
    throw unusable('its header line is not JSON');
  }
  if (header?.format !== FORMAT || header.version !== VERSION) throw unusable(`it is not a ${FORMAT} file of version ${VERSION}`);
  if (header.name !== name) throw unusable(`it is the checkpoint of ${JSON.stringify(header.name)}, not of ${JSON.stringify(name)}`);
  const body = bytes.subarray(newline + 1);
  if (body.length !== header.bytes) throw unusable(`its body has ${body.length} bytes, its header says ${String(header.bytes)} (torn write?)`);
  if (createHash('sha256').update(body).digest('hex') !== header.sha256) throw unusable('its body does not match the sha256 in its header');
  let checkpoint: unknown;
  try {
    checkpoint = JSON.parse(body.toString('utf8'));
  } catch {
    throw unusable('its body is not JSON');
  }
  const problem = headerProblem(checkpoint);
  if (problem) throw unusable(problem);
  if ((checkpoint as C).position !== header.position) throw unusable('its body and header name different positions');
  return checkpoint as C;
}

/** Makes a rename durable. Some platforms cannot open or fsync a directory; the rename itself is still atomic there. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Not supported here (e.g. Windows): nothing more to do.
  } finally {
    await handle?.close();
  }
}
