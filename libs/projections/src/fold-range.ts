import type { EventStore, RecordedEvent } from '#libs/event-store';
import type { ConfigState } from '#libs/domain';

/** Events per read when folding a range of the log. */
const PAGE = 1000;

/**
 * Folds the events after `after` up to and including `to` into `state`, reading pages with readAll; `onEvent`
 * sees each event before it is applied. Positions only grow, so (after, to] holds at most to - after events,
 * whether the store's positions have gaps or not.
 */
export async function foldRange(
  store: Pick<EventStore, 'readAll'>,
  state: ConfigState,
  after: number,
  to: number,
  onEvent?: (event: RecordedEvent) => void,
): Promise<void> {
  while (after < to) {
    const page = await store.readAll({ after, limit: Math.min(PAGE, to - after) });
    if (page.length === 0) return;
    for (const event of page) {
      if (event.globalPosition > to) return;
      onEvent?.(event);
      state.apply(event);
    }
    after = page[page.length - 1].globalPosition;
  }
}
