import { ServingStatus } from '#libs/proto';

/** Told about one service's status as it changes, and when the server goes away. */
export interface HealthWatcher {
  update(status: ServingStatus): void;
  end(): void;
}

/** The empty name: the server as a whole (grpc health-checking protocol). */
export const WHOLE_SERVER = '';

/**
 * The serving status of each service a gRPC server offers, and who is watching which. Pure state: the
 * grpc.health.v1 service reads it, the process lifecycle writes it.
 */
export class HealthStatusBoard {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Map<string, Set<HealthWatcher>>();
  private closed = false;

  /** Sets a service's status; watchers hear of it only when it changes. */
  set(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const watcher of this.watchers.get(service) ?? []) watcher.update(status);
  }

  /** The service's status, or undefined for a service the server does not know. */
  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  all(): ReadonlyMap<string, ServingStatus> {
    return this.statuses;
  }

  /**
   * Adds a watcher of `service`, told its status now (SERVICE_UNKNOWN when the server does not know it, as the
   * protocol says Watch must, rather than failing). Returns the function that removes it.
   */
  watch(service: string, watcher: HealthWatcher): () => void {
    if (this.closed) {
      watcher.update(ServingStatus.NOT_SERVING);
      watcher.end();
      return () => undefined;
    }
    let set = this.watchers.get(service);
    if (!set) this.watchers.set(service, (set = new Set()));
    set.add(watcher);
    watcher.update(this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN);
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(service) === set) this.watchers.delete(service);
    };
  }

  /**
   * The server is going down: every service becomes NOT_SERVING (so load balancers move away before the cut), then
   * every watch ends, since an open stream would hold a graceful gRPC shutdown until its deadline.
   */
  shutdown(): void {
    if (this.closed) return;
    for (const service of this.statuses.keys()) this.set(service, ServingStatus.NOT_SERVING);
    this.closed = true;
    const watchers = [...this.watchers.values()].flatMap((set) => [...set]);
    this.watchers.clear();
    for (const watcher of watchers) watcher.end();
  }
}
