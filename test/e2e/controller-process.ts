// Runs the built all-in-one controller (dist/apps/controller/src/main.js) as a child process and reads its JSON
// log lines, as an operator or a log collector would.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CONTROLLER_MAIN = fileURLToPath(new URL('../../dist/apps/controller/src/main.js', import.meta.url));
/** The control service on its own. */
export const CONTROL_MAIN = fileURLToPath(new URL('../../dist/apps/control/src/main.js', import.meta.url));

export type LogLine = Record<string, unknown> & { level: string; msg: string };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ControllerProcess {
  readonly lines: LogLine[] = [];
  /** Everything written to stdout that is not a JSON object, and all of stderr. */
  stderr = '';
  readonly nonJsonStdout: string[] = [];
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private readonly waiters: Array<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];

  /** Starts the controller (or another built `main`) with exactly `env` (plus PATH), not the test runner's environment. */
  constructor(env: Record<string, string>, main = CONTROLLER_MAIN) {
    if (!existsSync(main)) {
      throw new Error(`${main} is missing: build first (npm run build; npm test does it)`);
    }
    this.child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        this.take(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first log line (past or future) that `match` accepts; rejects if the process exits or time runs out. */
  waitForLine(match: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; got:\n${this.transcript()}`)), timeoutMs);
      const waiter = {
        match,
        resolve: (line: LogLine) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      this.waiters.push(waiter);
      void this.exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`the controller exited (${JSON.stringify(exit)}) before the log line; got:\n${this.transcript()}`));
      });
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Stops the process if it still runs (cleanup after a failed test). */
  async ensureStopped(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  transcript(): string {
    return [...this.lines.map((l) => JSON.stringify(l)), ...this.nonJsonStdout, this.stderr].join('\n');
  }

  private take(text: string): void {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      this.nonJsonStdout.push(text);
      return;
    }
    this.lines.push(line);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(line)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  }
}
