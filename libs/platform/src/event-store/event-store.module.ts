import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '#libs/event-store';
import type { StoreConfig } from '#libs/config';
import { EVENT_STORE } from './event-store.token.js';
import { openEventStore } from './open-event-store.js';

/**
 * Closes the store when the application shuts down. Nest runs onApplicationShutdown after every listener has been
 * closed (beforeApplicationShutdown, then the HTTP server), so no request can append to a closed store, and
 * closing flushes appends still queued for the next group commit.
 */
@Injectable()
class EventStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * Provides the process's EventStore under EVENT_STORE, to every module (global). The store is opened while the
 * application is created, so a store that cannot be opened stops start-up with its own error.
 */
@Module({})
export class EventStoreModule {
  static forRoot(config: StoreConfig): DynamicModule {
    return {
      module: EventStoreModule,
      global: true,
      providers: [{ provide: EVENT_STORE, useFactory: () => openEventStore(config) }, EventStoreCloser],
      exports: [EVENT_STORE],
    };
  }
}
