import type { JsonObject, NewEvent } from '#libs/event-store';
import type { AuthRefusal, RefusalReason, RefusalStatus } from './auth-refusal.js';
import { UNAUTHENTICATED_ACTOR, type Principal } from './principal.js';

/*
 * The audit trail of refused commands: one `CommandRefused` event per refused write, on a stream of its own. The
 * config state folds only config events, so the trail moves the log's head and nothing else: no object, revision
 * or digest changes (libs/domain isConfigEventType).
 */

export const REFUSALS_STREAM = 'command-refusals';
export const COMMAND_REFUSED = 'CommandRefused';

export type Protocol = 'rest' | 'grpc';

/** A refused write, as an edge or the command path describes it. */
export interface RefusedCommand {
  /** Undefined: the caller could not be authenticated. */
  principal?: Principal;
  /** The caller's IP address. */
  address: string;
  protocol: Protocol;
  /** create, update, delete, ref-update, prop-collection-update. */
  operation: string;
  /** `POST /virtual-networks`, `ConfigService/Create`. */
  request: string;
  type?: string;
  uuid?: string;
  fq_name?: readonly string[];
  correlationId?: string;
}

export interface CommandRefusedData extends JsonObject {
  actor: string;
  address: string;
  protocol: Protocol;
  operation: string;
  request: string;
  status: RefusalStatus;
  reason: RefusalReason;
  message: string;
  at: string;
}

/** The event recording `command`'s refusal; `at` is the clock's ISO time. */
export function commandRefusedEvent(command: RefusedCommand, refusal: AuthRefusal, at: string): NewEvent {
  const actor = command.principal?.actor ?? UNAUTHENTICATED_ACTOR;
  const data: CommandRefusedData = {
    actor,
    address: command.address,
    protocol: command.protocol,
    operation: command.operation,
    request: command.request,
    status: refusal.status,
    reason: refusal.reason,
    message: refusal.message,
    at,
  };
  if (command.type !== undefined) data.type = command.type;
  if (command.uuid !== undefined) data.uuid = command.uuid;
  if (command.fq_name !== undefined) data.fq_name = [...command.fq_name];
  const metadata: JsonObject = { actor, source: command.protocol, schemaVersion: 1 };
  if (command.principal) metadata.authentication = command.principal.authentication;
  if (command.correlationId !== undefined) metadata.correlationId = command.correlationId;
  return { type: COMMAND_REFUSED, data, metadata };
}
