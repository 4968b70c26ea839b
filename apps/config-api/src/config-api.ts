import type { EventStore } from '#libs/event-store';
import type { ConfigModel } from '#libs/domain';
import type { ConfigProjection } from '#libs/projections';
import type { ConfigCommandService } from './commands/config-command.service.js';

/** Nest injection token of the config API's parts, shared by the REST and gRPC edges. */
export const CONFIG_API = Symbol('CONFIG_API');

export interface ConfigApi {
  store: EventStore;
  model: ConfigModel;
  projection: ConfigProjection;
  commands: ConfigCommandService;
}
