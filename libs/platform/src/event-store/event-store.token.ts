/** Nest injection token of the process's one EventStore (the port of `#libs/event-store`). */
export const EVENT_STORE = Symbol('EVENT_STORE');
