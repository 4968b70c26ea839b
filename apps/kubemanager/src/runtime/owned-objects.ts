import type { ActualObject, OwnerKey } from '../reconcile/plan.js';
import { ownerKeyFromAnnotations } from '../reconcile/plan.js';
import type { ConfigApiClient, Json } from '../config-client/config-api-client.js';
import { OWNED_TYPES_PARENTS_FIRST } from '../reconcile/type-order.js';

/** The types a kubemanager writes, parents first (docs/kubemanager.md §5). */
export const OWNED_TYPES = OWNED_TYPES_PARENTS_FIRST;

/** A config object as the config API answers it, reduced to what the reconciler compares. */
export function actualOf(type: string, body: Json, ownerKey: OwnerKey): ActualObject {
  return { type, uuid: String(body.uuid), fqName: (body.fq_name as string[]) ?? [], body, ownerKey };
}

/**
 * The config objects one cluster's kubemanager owns (marked `owner=k8s`, `cluster=C`), by uuid and by owner key,
 * as last read from the config API or written by this kubemanager; plus the fq_names of every virtual network,
 * which pod annotations may name.
 */
export class OwnedObjects {
  private readonly byUuid = new Map<string, ActualObject>();
  private readonly byOwner = new Map<OwnerKey, Map<string, ActualObject>>();
  /** Interface uuid → the addresses of the pods' own instance-ips that ref it. */
  private readonly addresses = new Map<string, Set<string>>();
  private networks = new Set<string>();

  constructor(private readonly cluster: string) {}

  /** Reads every owned object and every network name from the config API, replacing what was known. */
  async load(client: ConfigApiClient): Promise<void> {
    const loaded: ActualObject[] = [];
    const networks = new Set<string>();
    for (const type of OWNED_TYPES) {
      for (const body of await client.list(type)) {
        if (type === 'virtual-network') networks.add(((body.fq_name as string[]) ?? []).join(':'));
        const owner = ownerKeyFromAnnotations(body, this.cluster);
        if (owner) loaded.push(actualOf(type, body, owner));
      }
    }
    this.byUuid.clear();
    this.byOwner.clear();
    this.addresses.clear();
    for (const object of loaded) this.put(object);
    this.networks = networks;
  }

  /** Refreshes the network names only (a pod named a network that was not there). */
  async loadNetworks(client: ConfigApiClient): Promise<void> {
    const networks = new Set<string>();
    for (const body of await client.list('virtual-network')) networks.add(((body.fq_name as string[]) ?? []).join(':'));
    for (const object of this.byUuid.values()) if (object.type === 'virtual-network') networks.add(object.fqName.join(':'));
    this.networks = networks;
  }

  get size(): number {
    return this.byUuid.size;
  }

  get(uuid: string): ActualObject | undefined {
    return this.byUuid.get(uuid);
  }

  ownedBy(key: OwnerKey): ActualObject[] {
    return [...(this.byOwner.get(key)?.values() ?? [])];
  }

  owners(): OwnerKey[] {
    return [...this.byOwner.keys()];
  }

  put(object: ActualObject): void {
    const previous = this.byUuid.get(object.uuid);
    if (previous) this.remove(previous.uuid);
    this.byUuid.set(object.uuid, object);
    let owned = this.byOwner.get(object.ownerKey);
    if (!owned) this.byOwner.set(object.ownerKey, (owned = new Map()));
    owned.set(object.uuid, object);
    if (object.type === 'virtual-network') this.networks.add(object.fqName.join(':'));
    if (object.type === 'instance-ip' && object.ownerKey.startsWith('Pod/')) {
      const address = object.body.instance_ip_address;
      if (typeof address === 'string') for (const vmi of refUuids(object.body, 'virtual_machine_interface_refs')) setOf(this.addresses, vmi).add(address);
    }
  }

  remove(uuid: string): void {
    const object = this.byUuid.get(uuid);
    if (!object) return;
    this.byUuid.delete(uuid);
    const owned = this.byOwner.get(object.ownerKey);
    owned?.delete(uuid);
    if (owned?.size === 0) this.byOwner.delete(object.ownerKey);
    if (object.type === 'instance-ip') {
      const address = object.body.instance_ip_address;
      for (const vmi of refUuids(object.body, 'virtual_machine_interface_refs')) {
        const set = this.addresses.get(vmi);
        set?.delete(address as string);
        if (set?.size === 0) this.addresses.delete(vmi);
      }
    }
  }

  addressesOf(vmiUuid: string): string[] {
    return [...(this.addresses.get(vmiUuid) ?? [])].sort();
  }

  macOf(vmiUuid: string): string | undefined {
    const vmi = this.byUuid.get(vmiUuid);
    const macs = (vmi?.body.virtual_machine_interface_mac_addresses as { mac_address?: string[] } | undefined)?.mac_address;
    return macs?.[0];
  }

  networkExists(fqName: string[]): boolean {
    return this.networks.has(fqName.join(':'));
  }
}

function refUuids(body: Json, field: string): string[] {
  const refs = body[field];
  if (!Array.isArray(refs)) return [];
  return refs.map((r) => (r as { uuid?: string }).uuid).filter((u): u is string => typeof u === 'string');
}

function setOf(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}
