import type { EventStore, RecordedEvent } from '#libs/event-store';
import { ConfigState } from '#libs/domain';
import { isCommandRecord, type CommandRecord } from '../command-record.js';
import type { Checkpoint, CheckpointStore } from './checkpoint-store.port.js';

export type RestoreOutcome =
  | { kind: 'none' }
  | { kind: 'ignored'; reason: string; position?: number }
  | { kind: 'restored'; state: ConfigState; commands: CommandRecord[]; checkpoint: Checkpoint; event: RecordedEvent };

/**
 * The config state and command records of the checkpoint `name`, when it can be trusted: the log still holds, at
 * its position, the event it names (not a different or rewritten log), and the state it holds has the digest it
 * was saved with. Otherwise why not, for the caller to log before it folds from zero.
 */
export async function restoreCheckpoint(store: EventStore, checkpoints: CheckpointStore, name: string): Promise<RestoreOutcome> {
  let checkpoint: Checkpoint | undefined;
  try {
    checkpoint = await checkpoints.load(name);
  } catch (error) {
    return { kind: 'ignored', reason: (error as Error).message };
  }
  if (!checkpoint) return { kind: 'none' };
  const { position } = checkpoint;
  const ignored = (reason: string): RestoreOutcome => ({ kind: 'ignored', reason, position });
  const [event] = await store.readAll({ after: position - 1, limit: 1 });
  if (!event || event.globalPosition !== position) {
    return ignored(`the log has no event at position ${position} (head ${await store.headPosition()}): not the log it was taken from`);
  }
  if (event.eventId !== checkpoint.eventId) {
    return ignored(`the event at position ${position} is ${event.eventId}, the checkpoint names ${checkpoint.eventId}: a different or rewritten log`);
  }
  if (!Array.isArray(checkpoint.commands) || !checkpoint.commands.every(isCommandRecord)) return ignored('its command records are malformed');
  let state: ConfigState;
  try {
    state = ConfigState.fromSnapshot(checkpoint.state);
  } catch (error) {
    return ignored(`its state cannot be read (${(error as Error).message})`);
  }
  if (state.position !== position) return ignored(`its state is at position ${state.position}, not ${position}`);
  let digest: string;
  try {
    digest = state.digest();
  } catch (error) {
    return ignored(`its state cannot be read (${(error as Error).message})`);
  }
  if (digest !== checkpoint.digest) return ignored(`its state's digest is ${digest}, not the ${checkpoint.digest} it was saved with`);
  return { kind: 'restored', state, commands: checkpoint.commands, checkpoint, event };
}
