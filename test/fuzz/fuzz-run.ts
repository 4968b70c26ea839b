// The fuzz loop: one input at a time per target in turn, each judged by its target's oracle, plus what holds for
// every input: the controller is still running afterwards, and it logged nothing that means a bug.
import { credentials, Metadata } from '@grpc/grpc-js';
import { HealthClient, ServingStatus, type HealthCheckResponse } from '#libs/proto';
import { createFixtures } from './config-examples.js';
import { bugSignature, ControllerUnderFuzz, getJson } from './controller-under-fuzz.js';
import { inputSeedOf, type FuzzOptions, type TargetName } from './fuzz-options.js';
import { FuzzReport, type Outcome } from './fuzz-report.js';
import type { FuzzContext, FuzzTarget } from './fuzz-target.js';
import { AgentStreamTarget } from './agent-stream-target.js';
import { GrpcConfigTarget } from './grpc-config-target.js';
import { RestTarget } from './rest-target.js';
import { XmppTarget } from './xmpp-target.js';

/** Longest one input may take, harness included, before it counts as a hang. */
const INPUT_TIMEOUT_MS = 30_000;
const PROGRESS_EVERY_MS = 5_000;

const MAKERS: Record<TargetName, (ctx: FuzzContext) => FuzzTarget> = {
  rest: (ctx) => new RestTarget(ctx),
  grpc: (ctx) => new GrpcConfigTarget(ctx),
  agent: (ctx) => new AgentStreamTarget(ctx),
  xmpp: (ctx) => new XmppTarget(ctx),
};

interface Session {
  ctx: FuzzContext;
  targets: Map<TargetName, FuzzTarget>;
}

async function startSession(names: TargetName[]): Promise<Session> {
  const controller = await ControllerUnderFuzz.start();
  try {
    const ctx: FuzzContext = { controller, fixtures: await createFixtures(controller.rest) };
    return { ctx, targets: new Map(names.map((name) => [name, MAKERS[name](ctx)])) };
  } catch (error) {
    await controller.stop();
    throw error;
  }
}

async function endSession(session: Session): Promise<void> {
  for (const target of session.targets.values()) target.close();
  await session.ctx.controller.stop();
}

/** Runs the fuzz campaign `options` describes; `log` gets progress lines. */
export async function runFuzz(options: FuzzOptions, log: (line: string) => void): Promise<FuzzReport> {
  const report = new FuzzReport(options.seed);
  const deadline = Date.now() + options.minutes * 60_000;
  const names = options.replay ? [options.replay.target] : options.targets;
  let session = await startSession(names);
  let lastProgress = Date.now();
  try {
    for (let index = 0; ; index++) {
      const due = names.filter((name) => report.count(name) < options.count);
      if (due.length === 0 || Date.now() >= deadline || (options.replay && index > 0)) break;
      for (const name of due) {
        const inputSeed = options.replay ? options.replay.inputSeed : inputSeedOf(options.seed, name, index);
        const outcome = await runOne(session, name, inputSeed, index);
        if (!session.ctx.controller.alive) {
          // The harness's own requests fail once the controller is gone: the death is the finding.
          if (outcome.status === 'harness-error') outcome.finding = undefined;
        }
        report.record(name, index, inputSeed, outcome);
        if (options.replay) log(`replay ${name}:${inputSeed}: ${outcome.status}${outcome.finding ? ` FINDING ${outcome.finding}` : ''}\n  input: ${outcome.input}`);
        if (!session.ctx.controller.alive) {
          report.find(name, index, inputSeed, `the controller died (${JSON.stringify(session.ctx.controller.exit)}):\n${session.ctx.controller.tail()}`, 'crash', outcome.input);
          await endSession(session);
          session = await startSession(names);
          report.controllerRestarts++;
        }
      }
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        log(report.progressLine());
        lastProgress = Date.now();
      }
    }
    await finalCheck(session, report);
  } finally {
    await endSession(session);
  }
  return report;
}

/** One input, bounded in time, with the checks that hold for all: still alive, no bug logged meanwhile. */
async function runOne(session: Session, name: TargetName, inputSeed: number, index: number): Promise<Outcome> {
  const { controller } = session.ctx;
  const linesBefore = controller.lines.length;
  let timer: NodeJS.Timeout | undefined;
  let outcome: Outcome;
  try {
    outcome = await Promise.race([
      session.targets.get(name)!.run(inputSeed, index),
      new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => resolve({ status: 'hang', input: `input seed ${inputSeed}`, finding: `no outcome within ${INPUT_TIMEOUT_MS} ms` }), INPUT_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    outcome = { status: 'harness-error', input: `input seed ${inputSeed}`, finding: `the harness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
  // Log lines arrive through a pipe: give those the input caused a moment to come in.
  await new Promise((resolve) => setImmediate(resolve));
  const bugs = controller.linesSince(linesBefore).map(bugSignature).filter((b): b is string => b !== undefined);
  if (bugs.length > 0) outcome = { ...outcome, finding: [outcome.finding, ...bugs].filter(Boolean).join('\n') };
  return outcome;
}

/** After the last input: /health answers ok and the gRPC health service says SERVING. */
async function finalCheck(session: Session, report: FuzzReport): Promise<void> {
  const { controller } = session.ctx;
  try {
    const health = await getJson(`${controller.rest}/health`);
    if (health.status !== 200 || health.body?.status !== 'ok') report.find('final', 0, 0, `/health answered ${health.status}: ${JSON.stringify(health.body)}`, String(health.status), 'GET /health');
  } catch (error) {
    report.find('final', 0, 0, `/health failed: ${error instanceof Error ? error.message : String(error)}`, 'no-answer', 'GET /health');
  }
  const client = new HealthClient(controller.grpc, credentials.createInsecure());
  try {
    const answer = await new Promise<HealthCheckResponse>((resolve, reject) =>
      client.check({ service: '' }, new Metadata(), { deadline: Date.now() + 5000 }, (error, response) => (error ? reject(error) : resolve(response))),
    );
    if (answer.status !== ServingStatus.SERVING) report.find('final', 0, 0, `grpc.health.v1 Check answered ${answer.status}`, String(answer.status), 'Health/Check');
  } catch (error) {
    report.find('final', 0, 0, `grpc.health.v1 Check failed: ${error instanceof Error ? error.message : String(error)}`, 'no-answer', 'Health/Check');
  } finally {
    client.close();
  }
}
