// The built all-in-one controller the fuzzer runs against: its own process on a temp DATA_DIR and system-chosen
// ports, its JSON log lines kept (bug signatures in them are findings), its exit noticed at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerMain } from './repo-paths.js';

export type LogLine = Record<string, unknown> & { level?: string; msg?: string };

/** Log lines that mean a bug in the controller, whatever the input: an internal error, a stopped fold. */
export function bugSignature(line: LogLine): string | undefined {
  const msg = String(line.msg ?? '');
  if (line.level === 'fatal') return `fatal: ${msg}`;
  if (msg === 'xmpp session failed') return `xmpp session failed: ${String(line.error ?? '').split('\n')[0]}`;
  if (line.level === 'error') {
    const err = line.err as { message?: string; stack?: string } | undefined;
    const where = err?.stack?.split('\n').slice(1, 4).map((frame) => frame.trim()).join(' < ');
    return `error log: ${msg}${err?.message ? `: ${err.message}` : ''}${where ? ` (${where})` : ''}`.slice(0, 800);
  }
  return undefined;
}

export class ControllerUnderFuzz {
  readonly lines: LogLine[] = [];
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  rest = '';
  grpc = '';
  xmpp = '';
  private child!: ChildProcess;
  private readonly dataDir: string;

  private constructor(private readonly env: Record<string, string>) {
    this.dataDir = mkdtempSync(join(tmpdir(), 'contrail-fuzz-'));
  }

  /** Starts the controller and waits for its 'listening' line. */
  static async start(env: Record<string, string> = {}): Promise<ControllerUnderFuzz> {
    const controller = new ControllerUnderFuzz(env);
    await controller.spawn();
    return controller;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Log lines from index `from` on. */
  linesSince(from: number): LogLine[] {
    return this.lines.slice(from);
  }

  /** The head of the log, as GET /health says it. */
  async head(): Promise<number> {
    const answer = await getJson(`${this.rest}/health`);
    if (answer.status !== 200) throw new Error(`GET /health answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body.store.headPosition as number;
  }

  /**
   * Events after `after` whose correlation id is `requestId` (the X-Request-Id / x-request-id the fuzzer sends):
   * what one request wrote.
   */
  async writesOf(requestId: string, after: number): Promise<Array<{ type: string; globalPosition: number }>> {
    const found: Array<{ type: string; globalPosition: number }> = [];
    for (let cursor = after; ; ) {
      const answer = await getJson(`${this.rest}/audit/events?after=${cursor}&limit=1000`);
      if (answer.status !== 200) throw new Error(`GET /audit/events answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      for (const event of answer.body.events as Array<{ type: string; globalPosition: number; metadata?: { correlationId?: string } }>) {
        if (event.metadata?.correlationId === requestId) found.push({ type: event.type, globalPosition: event.globalPosition });
      }
      if (answer.body.next === null || answer.body.next === undefined) return found;
      cursor = answer.body.next as number;
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within 5 s; removes the data. */
  async stop(): Promise<void> {
    if (this.alive) {
      this.child.kill('SIGTERM');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await new Promise<void>((resolve) => (this.alive ? this.child.once('exit', () => resolve()) : resolve()));
      clearTimeout(killer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The last lines of its output, for a finding about its death. */
  tail(lines = 20): string {
    return [...this.lines.slice(-lines).map((l) => JSON.stringify(l).slice(0, 600)), this.stderr.slice(-4000)].join('\n');
  }

  private spawn(): Promise<void> {
    const main = controllerMain();
    if (!existsSync(main)) throw new Error(`${main} is missing: build first (npm run build)`);
    this.child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        REST_PORT: '0',
        GRPC_PORT: '0',
        XMPP_PORT: '0',
        BIND_ADDRESS: '127.0.0.1',
        DATA_DIR: this.dataDir,
        SHUTDOWN_TIMEOUT_MS: '3000',
        AGENT_HOLD_TIME_MS: '500',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    let listening: ((line: LogLine) => void) | undefined;
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const text = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          line = { level: 'error', msg: `not a JSON log line: ${text.slice(0, 300)}` };
        }
        this.lines.push(line);
        if (line.msg === 'listening') listening?.(line);
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the controller did not listen within 30 s:\n${this.tail()}`)), 30_000);
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        clearTimeout(timer);
        reject(new Error(`the controller exited (${code ?? signal}) before listening:\n${this.tail()}`));
      });
      listening = (line) => {
        clearTimeout(timer);
        this.rest = line.rest as string;
        this.grpc = line.grpc as string;
        this.xmpp = line.xmpp as string;
        resolve();
      };
    });
  }
}

/** GET with node:http, answer parsed as JSON. */
export function getJson(url: string, timeoutMs = 10_000): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
