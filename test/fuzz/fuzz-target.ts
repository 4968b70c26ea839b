import type { ControllerUnderFuzz } from './controller-under-fuzz.js';
import type { Fixtures } from './config-examples.js';
import type { Outcome } from './fuzz-report.js';

/** What every target may use: the controller and the fixtures made on it. */
export interface FuzzContext {
  controller: ControllerUnderFuzz;
  fixtures: Fixtures;
}

/**
 * One kind of input. `run` builds input `index` from `inputSeed` alone (so that it replays), sends it, and judges
 * the answer; it resolves with the outcome and does not throw for anything the controller does.
 */
export interface FuzzTarget {
  readonly name: string;
  run(inputSeed: number, index: number): Promise<Outcome>;
  /** Closes clients and connections. */
  close(): void;
}

/** Longest any single answer may take before it counts as a hang. */
export const ANSWER_TIMEOUT_MS = 10_000;

/** The details of a gRPC request that is not the method's protobuf message (libs/platform undecodable-requests.ts). */
export const UNDECODABLE = /^the request message of \S+ is not valid protobuf: /;
