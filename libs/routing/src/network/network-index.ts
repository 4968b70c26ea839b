import type { ConfigObject } from '#libs/domain';
import { hostOf } from './agent-config.js';
import { Types, nameOf } from './object-fields.js';

/** Types whose changes can change VRFs (targets, connections, ACL presence, clusters). */
export const VRF_INPUT_TYPES: ReadonlySet<string> = new Set([
  Types.virtualNetwork,
  Types.networkPolicy,
  Types.virtualNetworkRouter,
  Types.tag,
  Types.globalSystemConfig,
  Types.cluster,
]);

const INDEXED_TYPES: ReadonlySet<string> = new Set([...VRF_INPUT_TYPES, Types.virtualRouter, Types.virtualMachineInterface]);

/**
 * The model's own view of which objects exist, kept up to date from the uuids each update touches, so that an
 * update never walks the whole config: live VNs, VNRs, virtual-routers (by name), clusters, and interfaces by the
 * host they are bound to. It also remembers the type of every indexed object, to know what a deleted one was.
 */
export class NetworkIndex {
  readonly networks = new Set<string>();
  readonly networkRouters = new Set<string>();
  /** virtual-router uuid → name, and back. */
  readonly virtualRouters = new Map<string, string>();
  readonly virtualRouterByName = new Map<string, string>();
  /** cluster uuid → name. */
  readonly clusters = new Map<string, string>();
  private readonly kinds = new Map<string, string>();
  private readonly hosts = new Map<string, string>();
  private readonly onHost = new Map<string, Set<string>>();

  /** Forgets an object; returns the type it had, if it was indexed. */
  remove(uuid: string): string | undefined {
    const type = this.kinds.get(uuid);
    if (type === undefined) return undefined;
    this.kinds.delete(uuid);
    this.networks.delete(uuid);
    this.networkRouters.delete(uuid);
    this.clusters.delete(uuid);
    const name = this.virtualRouters.get(uuid);
    if (name !== undefined) {
      this.virtualRouters.delete(uuid);
      if (this.virtualRouterByName.get(name) === uuid) this.virtualRouterByName.delete(name);
    }
    const host = this.hosts.get(uuid);
    if (host !== undefined) {
      this.hosts.delete(uuid);
      const bound = this.onHost.get(host);
      bound?.delete(uuid);
      if (bound?.size === 0) this.onHost.delete(host);
    }
    return type;
  }

  add(object: ConfigObject): void {
    if (!INDEXED_TYPES.has(object.type)) return;
    this.kinds.set(object.uuid, object.type);
    switch (object.type) {
      case Types.virtualNetwork:
        this.networks.add(object.uuid);
        return;
      case Types.virtualNetworkRouter:
        this.networkRouters.add(object.uuid);
        return;
      case Types.cluster:
        this.clusters.set(object.uuid, nameOf(object));
        return;
      case Types.virtualRouter:
        this.virtualRouters.set(object.uuid, nameOf(object));
        this.virtualRouterByName.set(nameOf(object), object.uuid);
        return;
      case Types.virtualMachineInterface: {
        const host = hostOf(object);
        if (host === undefined) return;
        this.hosts.set(object.uuid, host);
        let bound = this.onHost.get(host);
        if (!bound) this.onHost.set(host, (bound = new Set()));
        bound.add(object.uuid);
        return;
      }
      default:
        return;
    }
  }

  /** Interfaces bound to a host name. */
  interfacesOnHost(host: string): Iterable<string> {
    return this.onHost.get(host) ?? [];
  }
}
