// A PostgreSQL server of one test's own, which the test stops and starts (pg_ctl) while a controller uses it. As
// test/support/throwaway-postgres.js does it (temp dir, free loopback port, `runuser -u postgres` as root), but
// stop and start run asynchronously: the test's own clients keep running, and timing, while pg_ctl waits.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The newest /usr/lib/postgresql/<v>/bin with initdb, or why there is none. */
export function postgresBinOrReason(): { bin: string } | { reason: string } {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) return { reason: 'PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql-15)' };
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return { reason: "running as root needs the 'postgres' user" };
  return { bin: join(root, versions.sort((a, b) => Number(b) - Number(a))[0]!, 'bin') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export type StopMode = 'fast' | 'immediate';

export class OwnPostgres {
  private constructor(
    private readonly bin: string,
    readonly dir: string,
    readonly port: number,
  ) {}

  /** initdb on a temp dir, then start on a free loopback port. */
  static async create(bin: string): Promise<OwnPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'contrail-own-pg-'));
    if (process.getuid?.() === 0) {
      const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
      chownSync(dir, uid, uid);
      chmodSync(dir, 0o700);
    }
    const server = new OwnPostgres(bin, dir, await freePort());
    execFileSync(...server.command('initdb', ['-D', server.data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']), { stdio: 'pipe' });
    await server.start();
    return server;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  /** pg_ctl start -w on the same port and data dir. */
  start(): Promise<void> {
    const settings = [`-p ${this.port}`, `-k ${this.dir}`, "-c listen_addresses='127.0.0.1'", '-c max_connections=100', '-c fsync=off'].join(' ');
    return this.pgCtl(['-D', this.data, '-o', settings, '-l', join(this.dir, 'server.log'), '-w', '-t', '30', 'start']);
  }

  /** pg_ctl stop -m fast (sessions ended, a clean shutdown) or immediate (as a crash: recovery at the next start). */
  stop(mode: StopMode): Promise<void> {
    return this.pgCtl(['-D', this.data, '-m', mode, '-w', '-t', '30', 'stop']);
  }

  /** Stops the server if it runs and deletes its files. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private pgCtl(args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile(...this.command('pg_ctl', args), { timeout: 40_000 }, (error, _stdout, stderr) =>
        error ? reject(new Error(`pg_ctl ${args.at(-1)} failed: ${error.message} ${stderr}`)) : resolve(),
      );
    });
  }

  /** The command line, as the postgres user when we are root (initdb and the server refuse to run as root). */
  private command(tool: string, args: string[]): [string, string[]] {
    const full = join(this.bin, tool);
    return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', full, ...args]] : [full, args];
  }
}
