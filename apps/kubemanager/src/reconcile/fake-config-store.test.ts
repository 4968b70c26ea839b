/*
 * Test support (not a spec): a config store in a Map that answers commands the way the config API does — bodies
 * validated by the registry, refs and parents resolved by fq_name (404 when missing), a uuid or an fq_name taken
 * twice refused (409), deletes refused while children or back-refs remain (409), an instance-ip's address and
 * network fixed at create (400), and the fields the controller fills filled in (MACs, addresses, ids).
 */
import { validateResourceBody } from '#libs/domain';
import { ownerKeyFromAnnotations } from '../mapping/ownership.js';
import type { ActualObject } from './actual-object.js';
import type { ConfigCommand } from './plan.js';

interface StoredRef {
  uuid: string;
  attr: unknown;
}

interface Stored {
  type: string;
  uuid: string;
  fqName: string[];
  parentUuid?: string;
  props: Record<string, unknown>;
  refs: Record<string, StoredRef[]>;
}

export type Outcome = { ok: true } | { ok: false; status: 400 | 404 | 409; message: string };

const refType = (field: string): string => field.slice(0, -'_refs'.length).replace(/_/g, '-');
const isRefField = (field: string): boolean => field.endsWith('_refs');

export class FakeConfigStore {
  private readonly objects = new Map<string, Stored>();
  private nextAddress = 2;
  private nextId = 1;
  /** Every refused command, for the test to judge. */
  readonly refusals: Array<{ command: ConfigCommand; outcome: Outcome }> = [];

  /** Objects that exist before the kubemanager starts (domain, global-system-config, cluster, users' networks). */
  seed(type: string, fqName: string[], props: Record<string, unknown> = {}): string {
    const uuid = `00000000-0000-4000-8000-${String(this.nextId++).padStart(12, '0')}`;
    const parent = fqName.length > 1 ? this.find(undefined, fqName.slice(0, -1)) : undefined;
    this.objects.set(uuid, { type, uuid, fqName, parentUuid: parent?.uuid, props, refs: {} });
    return uuid;
  }

  apply(command: ConfigCommand): Outcome {
    const outcome = this.run(command);
    if (!outcome.ok) this.refusals.push({ command, outcome });
    return outcome;
  }

  /** GET: the object's properties and refs as `{to, uuid, attr}`. */
  get(uuid: string): Record<string, unknown> | undefined {
    const object = this.objects.get(uuid);
    if (object === undefined) return undefined;
    const body: Record<string, unknown> = { uuid, fq_name: object.fqName, display_name: object.fqName.at(-1), id_perms: { enable: true }, ...object.props };
    for (const [field, refs] of Object.entries(object.refs)) {
      body[field] = refs.map((ref) => ({ to: this.objects.get(ref.uuid)!.fqName, uuid: ref.uuid, attr: ref.attr ?? null }));
    }
    return body;
  }

  /** The objects cluster `cluster` owns, as the runtime reads them. */
  owned(cluster: string): ActualObject[] {
    const out: ActualObject[] = [];
    for (const object of this.objects.values()) {
      const body = this.get(object.uuid)!;
      const ownerKey = ownerKeyFromAnnotations(body, cluster);
      if (ownerKey !== undefined) out.push({ type: object.type, uuid: object.uuid, fqName: object.fqName, body, ownerKey });
    }
    return out;
  }

  all(): Stored[] {
    return [...this.objects.values()];
  }

  byFqName(type: string, fqName: readonly string[]): Stored | undefined {
    return this.find(type, fqName);
  }

  private find(type: string | undefined, fqName: readonly string[]): Stored | undefined {
    const text = fqName.join(':');
    for (const object of this.objects.values()) if ((type === undefined || object.type === type) && object.fqName.join(':') === text) return object;
    return undefined;
  }

  private run(command: ConfigCommand): Outcome {
    switch (command.op) {
      case 'create':
        return this.create(command.object.type, command.object.uuid, command.object.fqName, command.object.parentType, command.object.body);
      case 'update':
        return this.update(command.object.type, command.object.uuid, Object.fromEntries(command.changed.map((f) => [f, command.object.body[f] ?? null])));
      case 'delete':
        return this.delete(command.uuid);
    }
  }

  private create(type: string, uuid: string, fqName: string[], parentType: string | undefined, body: Record<string, unknown>): Outcome {
    const problems = validateResourceBody(type, { uuid, fq_name: fqName, ...(parentType ? { parent_type: parentType } : {}), ...body }).problems;
    if (problems.length > 0) return { ok: false, status: 400, message: problems.map((p) => `${p.path}: ${p.message}`).join('; ') };
    if (this.objects.has(uuid)) return { ok: false, status: 409, message: `uuid ${uuid} is already used` };
    if (this.find(type, fqName)) return { ok: false, status: 409, message: `${type} ${fqName.join(':')} already exists` };
    let parentUuid: string | undefined;
    if (parentType !== undefined) {
      const parent = this.find(parentType, fqName.slice(0, -1));
      if (parent === undefined) return { ok: false, status: 404, message: `parent ${parentType} ${fqName.slice(0, -1).join(':')} does not exist` };
      parentUuid = parent.uuid;
    }
    const resolved = this.resolve(body);
    if (!resolved.ok) return resolved.outcome;
    const object: Stored = { type, uuid, fqName, parentUuid, props: resolved.props, refs: resolved.refs };
    if (type === 'instance-ip' && !object.refs.virtual_network_refs?.length) return { ok: false, status: 400, message: 'an instance-ip needs a network' };
    this.fill(object);
    this.objects.set(uuid, object);
    return { ok: true };
  }

  private update(type: string, uuid: string, body: Record<string, unknown>): Outcome {
    const object = this.objects.get(uuid);
    if (object === undefined || object.type !== type) return { ok: false, status: 404, message: `${type} ${uuid} does not exist` };
    const problems = validateResourceBody(type, body, { operation: 'update' }).problems;
    if (problems.length > 0) return { ok: false, status: 400, message: problems.map((p) => `${p.path}: ${p.message}`).join('; ') };
    const resolved = this.resolve(body);
    if (!resolved.ok) return resolved.outcome;
    if (type === 'instance-ip') {
      const address = body.instance_ip_address;
      if (address !== undefined && address !== null && address !== object.props.instance_ip_address) return { ok: false, status: 400, message: 'instance_ip_address is fixed at create' };
      if ('virtual_network_refs' in body && JSON.stringify(resolved.refs.virtual_network_refs) !== JSON.stringify(object.refs.virtual_network_refs)) {
        return { ok: false, status: 400, message: 'the network of an instance-ip is fixed at create' };
      }
    }
    for (const [key, value] of Object.entries(body)) {
      if (isRefField(key)) continue;
      if (value === null) delete object.props[key];
      else object.props[key] = value;
    }
    for (const [key, refs] of Object.entries(resolved.refs)) {
      if (refs.length === 0) delete object.refs[key];
      else object.refs[key] = refs;
    }
    return { ok: true };
  }

  private delete(uuid: string): Outcome {
    const object = this.objects.get(uuid);
    if (object === undefined) return { ok: false, status: 404, message: `${uuid} does not exist` };
    const children = this.all().filter((o) => o.parentUuid === uuid);
    if (children.length > 0) return { ok: false, status: 409, message: `${object.fqName.join(':')} still has children ${children.map((c) => c.fqName.join(':')).join(', ')}` };
    const referrers = this.all().filter((o) => Object.values(o.refs).some((refs) => refs.some((r) => r.uuid === uuid)));
    if (referrers.length > 0) return { ok: false, status: 409, message: `${object.fqName.join(':')} is still referred to by ${referrers.map((c) => c.fqName.join(':')).join(', ')}` };
    this.objects.delete(uuid);
    return { ok: true };
  }

  private resolve(body: Record<string, unknown>): { ok: true; props: Record<string, unknown>; refs: Record<string, StoredRef[]> } | { ok: false; outcome: Outcome } {
    const props: Record<string, unknown> = {};
    const refs: Record<string, StoredRef[]> = {};
    for (const [key, value] of Object.entries(body)) {
      if (!isRefField(key)) {
        if (value !== null && value !== undefined) props[key] = structuredClone(value);
        continue;
      }
      const list: StoredRef[] = [];
      for (const ref of (value as Array<{ to?: string[]; uuid?: string; attr?: unknown }> | null) ?? []) {
        const target = ref.uuid !== undefined ? this.objects.get(ref.uuid) : this.find(refType(key), ref.to ?? []);
        if (target === undefined || target.type !== refType(key)) {
          return { ok: false, outcome: { ok: false, status: 404, message: `${refType(key)} ${(ref.to ?? [ref.uuid]).join(':')} does not exist` } };
        }
        list.push({ uuid: target.uuid, attr: structuredClone(ref.attr ?? null) });
      }
      refs[key] = list;
    }
    return { ok: true, props, refs };
  }

  /** What the controller fills in at create. */
  private fill(object: Stored): void {
    switch (object.type) {
      case 'virtual-machine-interface':
        object.props.virtual_machine_interface_mac_addresses = { mac_address: [`02:${object.uuid.replace(/-/g, '').slice(0, 10).match(/../g)!.join(':')}`] };
        break;
      case 'instance-ip': {
        if (typeof object.props.instance_ip_address !== 'string') {
          const n = this.nextAddress++;
          object.props.instance_ip_address = `10.32.${n >> 8}.${n & 255}`;
        }
        object.props.instance_ip_family = 'v4';
        object.props.subnet_uuid = '00000000-0000-4000-8000-00000000cafe';
        break;
      }
      case 'security-group':
        object.props.security_group_id = 8_000_000 + this.nextId++;
        break;
      case 'virtual-network': {
        const id = this.nextId++;
        object.props.virtual_network_network_id = id;
        object.props.virtual_network_properties = { ...(object.props.virtual_network_properties as object), network_id: id };
        break;
      }
      case 'network-ipam': {
        const subnets = (object.props.ipam_subnets as { subnets?: Array<Record<string, unknown>> } | undefined)?.subnets ?? [];
        object.props.ipam_subnets = { subnets: subnets.map((s, i) => ({ ...s, subnet_uuid: `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`, enable_dhcp: true })) };
        break;
      }
    }
  }
}
