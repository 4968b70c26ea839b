import type { EventStore, RecordedEvent } from '#libs/event-store';
import type { ConfigState } from '#libs/domain';

/** Events per read when folding a range of the log. */
const PAGE = 1000;

export interface FoldRangeOptions {
  /** Sees each event before it is applied. */
  onEvent?: (event: RecordedEvent) => void;
  /**
   * Read the events with their metadata, for an `onEvent` that looks at it (actor, source). Default false: the
   * fold itself reads only the data, and a store then skips reading and decoding the metadata.
   */
  withMetadata?: boolean;
}

/** Lets timers and I/O run: a store that answers at once (SQLite) would otherwise hold the event loop. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Folds the events after `after` up to and including `to` into `state`, reading pages with readAll. Positions
 * only grow, so (after, to] holds at most to - after events, whether the store's positions have gaps or not.
 * It gives way to the event loop between pages, so that a long fold (a verify, an as-of read far from a
 * snapshot) does not stall the requests and agent sessions a process serves meanwhile.
 */
export async function foldRange(
  store: Pick<EventStore, 'readAll'>,
  state: ConfigState,
  after: number,
  to: number,
  options: FoldRangeOptions = {},
): Promise<void> {
  const { onEvent, withMetadata = false } = options;
  while (after < to) {
    const page = await store.readAll({ after, limit: Math.min(PAGE, to - after), withMetadata });
    if (page.length === 0) return;
    for (const event of page) {
      if (event.globalPosition > to) return;
      onEvent?.(event);
      state.apply(event);
    }
    after = page[page.length - 1].globalPosition;
    if (after < to) await yieldToEventLoop();
  }
}
