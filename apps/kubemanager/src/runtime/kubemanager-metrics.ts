import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * A kubemanager's Prometheus metrics, every one labelled with its cluster (the all-in-one controller runs one
 * kubemanager per attached cluster on one registry).
 */
export class KubemanagerMetrics {
  readonly watchEvents: Counter<'kind' | 'type'>;
  readonly lists: Counter<'kind' | 'reason'>;
  readonly watchFailures: Counter<'kind'>;
  readonly commands: Counter<'op' | 'type' | 'outcome'>;
  readonly reconcileErrors: Counter<string>;
  readonly reconcileSeconds: Histogram<string>;
  readonly problems: Counter<'reason'>;
  readonly podStatusWrites: Counter<string>;
  readonly resyncs: Counter<string>;
  readonly ownedObjects: Gauge<string>;

  constructor(
    cluster: string,
    readonly registry: Registry = new Registry(),
  ) {
    const labels = { cluster };
    const registers = [registry];
    const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make();
    const withCluster = (names: string[]) => ['cluster', ...names];
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      get(name, () => new Counter({ name, help, labelNames: withCluster(labelNames), registers })) as Counter<L>;
    this.watchEvents = bind(counter('kubemanager_watch_events_total', 'Watch events received, by kind and type (BOOKMARK included).', ['kind', 'type']), labels);
    this.lists = bind(counter('kubemanager_lists_total', 'Full lists of a kind: at start, after 410 Gone (expired), after an error.', ['kind', 'reason']), labels);
    this.watchFailures = bind(counter('kubemanager_watch_failures_total', 'Failed lists or watches (the watcher retries with backoff).', ['kind']), labels);
    this.commands = bind(counter('kubemanager_config_commands_total', 'Commands sent to the config API, by operation, type and outcome (ok, existed, failed).', ['op', 'type', 'outcome']), labels);
    this.reconcileErrors = bind(counter('kubemanager_reconcile_errors_total', 'Reconciles of a key that failed (retried with backoff).', []), labels);
    this.problems = bind(counter('kubemanager_object_problems_total', 'Problems reported as Kubernetes events, by reason.', ['reason']), labels);
    this.podStatusWrites = bind(counter('kubemanager_pod_status_writes_total', 'Pod network-status annotations written back.', []), labels);
    this.resyncs = bind(counter('kubemanager_resyncs_total', 'Periodic reconciles completed.', []), labels);
    this.reconcileSeconds = bind(
      get('kubemanager_reconcile_duration_seconds', () =>
        new Histogram({
          name: 'kubemanager_reconcile_duration_seconds',
          help: 'Time to reconcile one key (its commands included).',
          labelNames: withCluster([]),
          buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
          registers,
        }),
      ) as Histogram<string>,
      labels,
    );
    this.ownedObjects = bind(
      get('kubemanager_owned_objects', () => new Gauge({ name: 'kubemanager_owned_objects', help: 'Config objects the kubemanager owns.', labelNames: withCluster([]), registers })) as Gauge<string>,
      labels,
    );
  }
}

/** The metric with the cluster label filled in, so callers pass only their own labels. */
function bind<M extends Counter<string> | Gauge<string> | Histogram<string>>(metric: M, fixed: Record<string, string>): M {
  const proxy = Object.create(metric) as M & Record<string, unknown>;
  for (const method of ['inc', 'set', 'observe', 'dec']) {
    const original = (metric as unknown as Record<string, unknown>)[method];
    if (typeof original !== 'function') continue;
    proxy[method] = (labelsOrValue?: unknown, value?: unknown) => {
      if (typeof labelsOrValue === 'object' && labelsOrValue !== null) return original.call(metric, { ...fixed, ...labelsOrValue }, value);
      return original.call(metric, fixed, labelsOrValue);
    };
  }
  return proxy;
}
