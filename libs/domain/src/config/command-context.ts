/**
 * What a decider may not produce itself: the time, fresh uuids and the global settings it reads. The command
 * handler supplies them, so decide() stays pure and repeatable.
 */
export interface CommandContext {
  /** ISO-8601 time of the command. */
  at: string;
  /** A fresh uuid each call (object uuids, subnet uuids). */
  newUuid: () => string;
}
