import type { EventStore } from '#libs/event-store';
import type { CliIo } from './cli-args.js';

/** What a command gets: the streams, and the store opened from the environment on first use (closed after). */
export interface CommandContext {
  io: CliIo;
  store(): Promise<EventStore>;
  /** A line on stderr: progress and notes, never data. */
  note(text: string): void;
}
