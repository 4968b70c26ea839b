/** Child processes of the benchmarks: a node process speaking JSON lines on stdout, and the built controller. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { progress, projectRoot } from './measure.js';

/** A node child whose stdout is JSON lines; keeps reading them, and answers waits for a line. */
export class JsonChild {
  readonly child: ChildProcess;
  private readonly waiters: Array<{ pick: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }> = [];
  private readonly recent: string[] = [];
  readonly exited: Promise<void>;

  /** `nodeArgs` go before the script (node's flags), `scriptArgs` after it. */
  constructor(script: string, childEnv: Record<string, string>, nodeArgs: string[] = [], scriptArgs: string[] = []) {
    this.child = spawn(process.execPath, [...nodeArgs, script, ...scriptArgs], { env: { PATH: process.env.PATH ?? '', ...childEnv }, stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.once('exit', (code, signal) => {
      if (code !== 0 && signal !== 'SIGTERM') progress(`${script} exited (code ${code}, signal ${signal}); its last lines:\n${this.recent.join('\n')}`);
    });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      this.recent.push(text.slice(0, 500));
      if (this.recent.length > 20) this.recent.shift();
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      if (typeof line.level === 'number' && line.level >= 40) progress(`child: ${text.slice(0, 300)}`);
      for (const waiter of [...this.waiters]) {
        if (!waiter.pick(line)) continue;
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The next stdout JSON line `pick` accepts; rejects if the process exits first or after `timeoutMs`. */
  next(pick: (line: Record<string, unknown>) => boolean, timeoutMs = 120_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching line from the child within ${timeoutMs} ms`)), timeoutMs);
      const waiter = {
        pick,
        resolve: (line: Record<string, unknown>) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      this.waiters.push(waiter);
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error('the child exited before the line'));
      });
    });
  }

  /** Writes a JSON command line and waits for the answer `pick` accepts. */
  request(command: Record<string, unknown>, pick: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>> {
    const answer = this.next(pick, timeoutMs);
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    return answer;
  }

  /** SIGTERM, then waits for the exit (SIGKILL after 15 s, so the run always ends). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface BuiltController {
  process: JsonChild;
  rest: string;
  grpc: string;
  /** The XMPP bridge's address, when the listening line names one. */
  xmpp?: string;
}

/**
 * The built all-in-one controller on a fresh DATA_DIR with every port 0 and LOG_LEVEL info; `passEnv` names
 * variables passed on from the benchmark's own environment when set (AGENT_WINDOW …), `nodeArgs` go before the
 * script (--cpu-prof …). Resolves with the addresses of its 'listening' line.
 */
export async function startBuiltController(dataDir: string, options: { env?: Record<string, string>; passEnv?: string[]; nodeArgs?: string[] } = {}): Promise<BuiltController> {
  const childEnv: Record<string, string> = { REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', ...options.env };
  for (const name of options.passEnv ?? []) if (process.env[name]) childEnv[name] = process.env[name]!;
  const child = new JsonChild(join(projectRoot, 'dist/apps/controller/src/main.js'), childEnv, options.nodeArgs ?? []);
  const line = await child.next((l) => l.msg === 'listening' && typeof l.rest === 'string', 60_000);
  return { process: child, rest: line.rest as string, grpc: line.grpc as string, ...(typeof line.xmpp === 'string' ? { xmpp: line.xmpp } : {}) };
}
