import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TlsFileError, checkTlsMaterial, describeCertificate, loadTlsMaterial, type TlsFile, type TlsFileSet, type TlsMaterial } from '#libs/config';
import type { Logger } from '../logging/create-logger.js';

export interface TlsCertificatesOptions {
  /** Between two reads of the files whatever fs.watch says (it misses changes on some filesystems). Default 5000. */
  pollMs?: number;
  /** How long after a change event the files are read, so that a cert and key written one after the other are read together. Default 250. */
  settleMs?: number;
}

export type TlsCheckOutcome = 'unchanged' | 'reloaded' | 'refused';

/**
 * A TLS set read from files and kept current without a restart: the files are watched (fs.watch on their folders,
 * which also sees a Kubernetes Secret's symlink swap) and read again every `pollMs` in any case. A changed set is
 * checked as a whole (PEM, key belongs to the certificate, OpenSSL accepts it): a good one replaces the current one
 * and listeners hear of it (new connections use it, open ones go on with theirs); a bad one is refused with an
 * error log line naming the file and the problem, and the current one stays. A bad set is reported once, not at
 * every poll.
 */
export class TlsCertificates {
  private material: TlsMaterial;
  /** Digest of the files as last read, good or bad: unchanged files are not checked (or reported) again. */
  private seen: string;
  private readonly listeners = new Set<(material: TlsMaterial) => void>();
  private readonly watchers: FSWatcher[] = [];
  private poll: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private checking: Promise<TlsCheckOutcome> | undefined;
  private closed = false;
  /** Reloads by outcome, for contrail_tls_reloads_total. */
  readonly reloads = { success: 0, failure: 0 };

  private constructor(
    readonly files: TlsFileSet,
    private readonly logger: Logger,
    private readonly options: TlsCertificatesOptions,
    initial: { material: TlsMaterial; digest: string },
  ) {
    this.material = initial.material;
    this.seen = initial.digest;
  }

  /** Reads and checks the set (throws TlsFileError), then watches its files. */
  static open(files: TlsFileSet, logger: Logger, options: TlsCertificatesOptions = {}): TlsCertificates {
    const material = loadTlsMaterial(files);
    const certificates = new TlsCertificates(files, logger, options, { material, digest: digestOf(material) });
    certificates.warnIfNotValidNow('TLS certificate');
    certificates.watch();
    return certificates;
  }

  /** The set in use. */
  get current(): TlsMaterial {
    return this.material;
  }

  /** Seconds until the certificate's notAfter (negative once expired); undefined without a certificate. */
  expirySeconds(now = Date.now()): number | undefined {
    const certificate = this.material.certificate;
    return certificate ? (Date.parse(certificate.validTo) - now) / 1000 : undefined;
  }

  /** Calls `listener` with every new set accepted; returns the way to stop. */
  onChange(listener: (material: TlsMaterial) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the files now and takes them if they changed and are good (what the watch and the poll call). */
  check(): Promise<TlsCheckOutcome> {
    this.checking ??= this.readAndCheck().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** Stops watching. */
  close(): void {
    this.closed = true;
    for (const watcher of this.watchers) watcher.close();
    this.watchers.length = 0;
    clearInterval(this.poll);
    clearTimeout(this.settle);
  }

  private async readAndCheck(): Promise<TlsCheckOutcome> {
    const slots = entries(this.files);
    const contents: { cert?: Buffer; key?: Buffer; ca?: Buffer } = {};
    let unreadable: TlsFileError | undefined;
    for (const [slot, file] of slots) {
      try {
        contents[slot] = await readFile(file.path);
      } catch (error) {
        unreadable ??= new TlsFileError(file.variable, file.path, `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    if (this.closed) return 'unchanged';
    const digest = unreadable ? `unreadable ${unreadable.message}` : digestOf(contents);
    if (digest === this.seen) return 'unchanged';
    this.seen = digest;
    let material: TlsMaterial;
    try {
      if (unreadable) throw unreadable;
      material = checkTlsMaterial(this.files, contents);
    } catch (error) {
      if (!(error instanceof TlsFileError)) throw error;
      this.reloads.failure += 1;
      this.logger.error(
        { variable: error.variable, file: error.path, problem: error.problem, current: this.describe() },
        `TLS files changed but are not usable: ${error.variable} (${error.path}): ${error.problem}; keeping the current certificate`,
      );
      return 'refused';
    }
    this.material = material;
    this.reloads.success += 1;
    this.logger.info({ certificate: this.describe() }, 'TLS certificate reloaded: new connections use it');
    this.warnIfNotValidNow('reloaded TLS certificate');
    for (const listener of [...this.listeners]) listener(material);
    return 'reloaded';
  }

  private watch(): void {
    const onEvent = (): void => {
      clearTimeout(this.settle);
      this.settle = setTimeout(() => void this.check(), this.options.settleMs ?? 250);
      this.settle.unref();
    };
    for (const folder of new Set(entries(this.files).map(([, file]) => dirname(file.path)))) {
      try {
        const watcher = watch(folder, { persistent: false }, onEvent);
        watcher.on('error', (error) => {
          this.logger.warn({ folder, err: error }, 'cannot watch a TLS folder any more: changes are seen by polling only');
          watcher.close();
        });
        this.watchers.push(watcher);
      } catch (error) {
        this.logger.warn({ folder, err: error }, 'cannot watch a TLS folder: changes are seen by polling only');
      }
    }
    this.poll = setInterval(() => void this.check(), this.options.pollMs ?? 5000);
    this.poll.unref();
  }

  private warnIfNotValidNow(what: string): void {
    const certificate = this.material.certificate;
    if (!certificate) return;
    const now = Date.now();
    if (Date.parse(certificate.validTo) <= now) this.logger.warn({ certificate: this.describe() }, `${what} has expired: clients will refuse it`);
    else if (Date.parse(certificate.validFrom) > now) this.logger.warn({ certificate: this.describe() }, `${what} is not valid yet: clients will refuse it`);
  }

  private describe(): string | undefined {
    return this.material.certificate && describeCertificate(this.material.certificate);
  }
}

function entries(files: TlsFileSet): Array<['cert' | 'key' | 'ca', TlsFile]> {
  return (['cert', 'key', 'ca'] as const).flatMap((slot) => (files[slot] ? [[slot, files[slot]] as ['cert' | 'key' | 'ca', TlsFile]] : []));
}

function digestOf(contents: { cert?: Buffer; key?: Buffer; ca?: Buffer }): string {
  const hash = createHash('sha256');
  for (const part of [contents.cert, contents.key, contents.ca]) {
    hash.update(part ? String(part.length) : '-');
    hash.update(':');
    if (part) hash.update(part);
  }
  return hash.digest('hex');
}
