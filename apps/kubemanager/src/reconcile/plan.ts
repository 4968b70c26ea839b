import type { DesiredObject } from '../mapping/desired-object.js';
import type { ActualObject } from './actual-object.js';
import { changedFields } from './changed-fields.js';
import { typeRank } from './type-order.js';

export type { ActualObject } from './actual-object.js';
export type { OwnerKey } from '../mapping/desired-object.js';
export { ownerKeyFromAnnotations } from '../mapping/ownership.js';
export { changedFields } from './changed-fields.js';

/** One write to the config API. An update carries the whole desired object and the fields to send. */
export type ConfigCommand =
  | { op: 'create'; object: DesiredObject }
  | { op: 'update'; object: DesiredObject; changed: string[] }
  | { op: 'delete'; type: string; uuid: string; fqName: string[] };

/**
 * Fields the config API fixes at create (instance-ip rules): an object whose value of one of them must change is
 * deleted and made again, under the same uuid.
 */
const FIXED_AT_CREATE: Readonly<Record<string, readonly string[]>> = {
  'instance-ip': ['instance_ip_address', 'virtual_network_refs'],
};

/**
 * §5: the commands that turn `actual` (the objects one owner key owns) into `desired` (what it wants), in an order
 * the config API accepts: creates parents first (by type rank), then updates, then replacements (delete and create
 * again: a field fixed at create changed, or the fq_name did, or another object of ours holds the fq_name under an
 * old uuid), then deletes children first. Empty when actual already matches: repeating a reconcile does nothing.
 */
export function planKey(desired: readonly DesiredObject[], actual: readonly ActualObject[]): ConfigCommand[] {
  const actualByUuid = new Map(actual.map((object) => [object.uuid, object]));
  const wanted = new Set(desired.map((object) => object.uuid));
  const handled = new Set<string>();
  const creates: DesiredObject[] = [];
  const updates: Array<{ object: DesiredObject; changed: string[] }> = [];
  const replacements: Array<{ old: ActualObject; object: DesiredObject }> = [];

  for (const object of desired) {
    const current = actualByUuid.get(object.uuid);
    if (current === undefined) {
      // Ours under another uuid (an older naming, a lost answer): it must go before the name can be taken.
      const holder = actual.find((a) => a.type === object.type && !wanted.has(a.uuid) && !handled.has(a.uuid) && sameFqName(a.fqName, object.fqName));
      if (holder !== undefined) {
        handled.add(holder.uuid);
        replacements.push({ old: holder, object });
      } else {
        creates.push(object);
      }
      continue;
    }
    handled.add(current.uuid);
    const changed = current.type === object.type ? changedFields(object, current) : [];
    const fixed = FIXED_AT_CREATE[object.type] ?? [];
    if (current.type !== object.type || !sameFqName(current.fqName, object.fqName) || changed.some((field) => fixed.includes(field))) {
      replacements.push({ old: current, object });
    } else if (changed.length > 0) {
      updates.push({ object, changed });
    }
  }
  const deletes = actual.filter((object) => !handled.has(object.uuid) && !wanted.has(object.uuid));

  const parentsFirst = <T>(of: (item: T) => { type: string; fqName: readonly string[]; uuid: string }) => (a: T, b: T) => compareObjects(of(a), of(b));
  creates.sort(parentsFirst((o) => o));
  updates.sort(parentsFirst((u) => u.object));
  replacements.sort(parentsFirst((r) => r.object));
  deletes.sort((a, b) => compareObjects(b, a));

  return [
    ...creates.map((object): ConfigCommand => ({ op: 'create', object })),
    ...updates.map(({ object, changed }): ConfigCommand => ({ op: 'update', object, changed })),
    ...replacements.flatMap(({ old, object }): ConfigCommand[] => [deleteOf(old), { op: 'create', object }]),
    ...deletes.map(deleteOf),
  ];
}

function deleteOf(object: ActualObject): ConfigCommand {
  return { op: 'delete', type: object.type, uuid: object.uuid, fqName: object.fqName };
}

function sameFqName(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

/** By type rank, then by fq_name (a parent's is a prefix of its children's), then uuid: a total, stable order. */
function compareObjects(a: { type: string; fqName: readonly string[]; uuid: string }, b: { type: string; fqName: readonly string[]; uuid: string }): number {
  return typeRank(a.type) - typeRank(b.type) || compareText(a.fqName.join(':'), b.fqName.join(':')) || compareText(a.uuid, b.uuid);
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
