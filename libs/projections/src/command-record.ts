/** What a command left behind, found again by its command id (Idempotency-Key). */
export interface CommandRecord {
  commandId: string;
  type: string;
  uuid: string;
  position: number;
}

/** The command record an event leaves, if it is a resource's own event carrying a command id. */
export function commandRecordOf(event: {
  streamId: string;
  globalPosition: number;
  data: unknown;
  metadata: { commandId?: unknown };
}): CommandRecord | undefined {
  const commandId = event.metadata.commandId;
  if (typeof commandId !== 'string' || typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)) return undefined;
  const data = event.data as { type?: unknown; uuid?: unknown };
  if (typeof data.uuid !== 'string' || typeof data.type !== 'string' || event.streamId !== `${data.type}-${data.uuid}`) return undefined;
  return { commandId, type: data.type, uuid: data.uuid, position: event.globalPosition };
}

/** Whether a value read back from a checkpoint is a command record. */
export function isCommandRecord(value: unknown): value is CommandRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.commandId === 'string' && typeof r.type === 'string' && typeof r.uuid === 'string' && Number.isSafeInteger(r.position);
}
