import type { JsonValue } from '#libs/event-store';
import type { Allocation, NumberPoolName, RefEntry } from './config-object.js';

/**
 * The events of the config plane. A resource's own stream holds `<Type>Created`, `<Type>Updated` and
 * `<Type>Deleted` (e.g. `VirtualNetworkCreated`); reservation and pool streams hold the rest. Every allocation is
 * an event, so replay never allocates anything again.
 */
export interface ResourceCreated {
  type: string;
  uuid: string;
  fq_name: string[];
  parent_type?: string;
  parent_uuid?: string;
  props: Record<string, JsonValue>;
  refs: Record<string, RefEntry[]>;
  allocations: Allocation[];
  at: string;
}

export interface ResourceUpdated {
  type: string;
  uuid: string;
  /** Properties set; a null value removes the property. */
  props: Record<string, JsonValue>;
  /** Ref sets replaced whole, by target type; an empty list removes every ref of that type. */
  refs: Record<string, RefEntry[]>;
  /** The object's allocations after the update, when they changed. */
  allocations?: Allocation[];
  at: string;
}

export interface ResourceDeleted {
  type: string;
  uuid: string;
  fq_name: string[];
  at: string;
}

export interface FqNameReserved {
  type: string;
  fq_name: string[];
  uuid: string;
}
export type FqNameReleased = FqNameReserved;

export interface NumberAllocated {
  pool: NumberPoolName;
  number: number;
  owner: string;
}
export type NumberReleased = NumberAllocated;

export interface AddressAllocated {
  subnet_uuid: string;
  address: string;
  owner: string;
}
export type AddressReleased = AddressAllocated;

export type ResourceEventKind = 'Created' | 'Updated' | 'Deleted';

/** `virtual-network` → `VirtualNetwork`. */
export function pascalType(type: string): string {
  return type
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

export function resourceEventType(type: string, kind: ResourceEventKind): string {
  return `${pascalType(type)}${kind}`;
}

/** The kind of a resource event type name, or undefined for the other events. */
export function resourceEventKind(eventType: string): ResourceEventKind | undefined {
  // Every event of the log passes here on replay: three suffix checks cost less than a regular expression.
  if (eventType.endsWith('Created')) return 'Created';
  if (eventType.endsWith('Updated')) return 'Updated';
  if (eventType.endsWith('Deleted')) return 'Deleted';
  return undefined;
}

export const EventTypes = {
  FqNameReserved: 'FqNameReserved',
  FqNameReleased: 'FqNameReleased',
  NumberAllocated: 'NumberAllocated',
  NumberReleased: 'NumberReleased',
  AddressAllocated: 'AddressAllocated',
  AddressReleased: 'AddressReleased',
} as const;

const POOL_AND_NAME_EVENTS: ReadonlySet<string> = new Set(Object.values(EventTypes));

/**
 * Whether the config state folds events of this type: resource events and the reservation and pool events. The log
 * holds others too (the audit trail of refused commands, `CommandRefused`), which change no object, no stream
 * revision the deciders read, and no digest.
 */
export function isConfigEventType(eventType: string): boolean {
  return resourceEventKind(eventType) !== undefined || POOL_AND_NAME_EVENTS.has(eventType);
}
