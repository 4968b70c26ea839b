import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** A cluster object as the supervisor reads it from the config state. */
export interface ClusterRecord {
  uuid: string;
  name: string;
  attached: boolean;
  /** cluster_kubeconfig_ref: a file path here (in the central deployment, the name of a Secret). */
  kubeconfigRef: string | undefined;
}

/** Why a cluster has no in-process kubemanager, or that it has one. */
export type ClusterPlan = { run: true; kubeconfig: string } | { run: false; reason: string };

/**
 * The all-in-one controller's rule (issue: cluster attachment): an attached cluster whose kubeconfig ref is a
 * readable file gets one in-process kubemanager; a detached cluster, or one whose kubeconfig is a Secret's name
 * (the central deployment runs its kubemanager as a Deployment), gets none.
 */
export function planCluster(cluster: ClusterRecord, cwd: string, exists: (path: string) => boolean = existsSync): ClusterPlan {
  if (!cluster.attached) return { run: false, reason: 'detached' };
  if (!cluster.kubeconfigRef) return { run: false, reason: 'no cluster_kubeconfig_ref' };
  const path = isAbsolute(cluster.kubeconfigRef) ? cluster.kubeconfigRef : resolve(cwd, cluster.kubeconfigRef);
  if (!exists(path)) return { run: false, reason: `cluster_kubeconfig_ref ${cluster.kubeconfigRef} is not a file here (a Secret's name: its kubemanager runs as a Deployment)` };
  return { run: true, kubeconfig: path };
}

export interface SupervisedKubemanager {
  stop(): void;
}

export interface SupervisorLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Keeps one running kubemanager per cluster that `planCluster` says should have one: starts it on attach, stops it on
 * detach or delete, restarts it when its kubeconfig ref changes.
 */
export class ClusterSupervisor {
  private readonly running = new Map<string, { kubeconfig: string; kubemanager: SupervisedKubemanager }>();
  private readonly said = new Map<string, string>();

  constructor(
    private readonly start: (cluster: string, kubeconfig: string) => SupervisedKubemanager,
    private readonly logger: SupervisorLogger,
    private readonly cwd: string = process.cwd(),
    private readonly exists: (path: string) => boolean = existsSync,
  ) {}

  /** The clusters with a running kubemanager. */
  get clusters(): string[] {
    return [...this.running.keys()].sort();
  }

  /** Brings the running set in line with these cluster objects (all of them, or the ones that changed). */
  apply(clusters: Iterable<ClusterRecord>, removed: Iterable<string> = []): void {
    for (const name of removed) this.stopOne(name, 'deleted');
    for (const cluster of clusters) {
      const plan = planCluster(cluster, this.cwd, this.exists);
      const current = this.running.get(cluster.name);
      if (!plan.run) {
        if (current) this.stopOne(cluster.name, plan.reason);
        else if (cluster.attached && this.said.get(cluster.name) !== plan.reason) this.logger.info({ cluster: cluster.name, reason: plan.reason }, 'no in-process kubemanager for this cluster');
        this.said.set(cluster.name, plan.reason);
        continue;
      }
      this.said.delete(cluster.name);
      if (current?.kubeconfig === plan.kubeconfig) continue;
      if (current) this.stopOne(cluster.name, 'kubeconfig changed');
      this.logger.info({ cluster: cluster.name, kubeconfig: plan.kubeconfig }, 'starting the kubemanager of an attached cluster');
      this.running.set(cluster.name, { kubeconfig: plan.kubeconfig, kubemanager: this.start(cluster.name, plan.kubeconfig) });
    }
  }

  stopAll(): void {
    for (const name of [...this.running.keys()]) this.stopOne(name, 'shutdown');
  }

  private stopOne(name: string, reason: string): void {
    const current = this.running.get(name);
    if (!current) return;
    this.running.delete(name);
    current.kubemanager.stop();
    this.logger.info({ cluster: name, reason }, 'stopped the kubemanager of a cluster');
  }
}
