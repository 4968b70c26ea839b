import { ClusterSupervisor, planCluster, type ClusterRecord } from './cluster-supervisor.js';

const record = (name: string, extra: Partial<ClusterRecord> = {}): ClusterRecord => ({ uuid: `u-${name}`, name, attached: true, kubeconfigRef: `/k/${name}`, ...extra });
const files = new Set(['/k/east', '/k/west', '/k/east2', '/work/rel/k']);
const exists = (path: string) => files.has(path);

describe('planCluster', () => {
  it('runs an attached cluster whose kubeconfig is a file here', () => {
    expect(planCluster(record('east'), '/work', exists)).toEqual({ run: true, kubeconfig: '/k/east' });
    expect(planCluster(record('r', { kubeconfigRef: 'rel/k' }), '/work', exists)).toEqual({ run: true, kubeconfig: '/work/rel/k' });
  });

  it('runs none for a detached cluster, one without a kubeconfig, or one whose kubeconfig is a Secret', () => {
    expect(planCluster(record('east', { attached: false }), '/', exists)).toEqual({ run: false, reason: 'detached' });
    expect(planCluster(record('east', { kubeconfigRef: undefined }), '/', exists)).toMatchObject({ run: false, reason: 'no cluster_kubeconfig_ref' });
    expect(planCluster(record('east', { kubeconfigRef: 'secret:contrail/kubemanager-east-kubeconfig' }), '/', exists)).toMatchObject({
      run: false,
      reason: expect.stringMatching(/is not a file here/),
    });
  });
});

describe('ClusterSupervisor', () => {
  function harness() {
    const events: string[] = [];
    const supervisor = new ClusterSupervisor(
      (cluster, kubeconfig) => {
        events.push(`start ${cluster} ${kubeconfig}`);
        return { stop: () => events.push(`stop ${cluster}`) };
      },
      { info: () => {}, warn: () => {} },
      '/work',
      exists,
    );
    return { events, supervisor };
  }

  it('starts one kubemanager per runnable cluster, once', () => {
    const { events, supervisor } = harness();
    supervisor.apply([record('east'), record('west'), record('gone', { kubeconfigRef: '/k/missing' })]);
    supervisor.apply([record('east')]);
    expect(events).toEqual(['start east /k/east', 'start west /k/west']);
    expect(supervisor.clusters).toEqual(['east', 'west']);
  });

  it('stops on detach and on delete, and restarts when the kubeconfig changes', () => {
    const { events, supervisor } = harness();
    supervisor.apply([record('east'), record('west')]);
    supervisor.apply([record('east', { attached: false })]);
    supervisor.apply([], ['west']);
    supervisor.apply([record('east', { kubeconfigRef: '/k/east' })]);
    supervisor.apply([record('east', { kubeconfigRef: '/k/east2' })]);
    supervisor.stopAll();
    expect(events).toEqual([
      'start east /k/east',
      'start west /k/west',
      'stop east',
      'stop west',
      'start east /k/east',
      'stop east',
      'start east /k/east2',
      'stop east',
    ]);
    expect(supervisor.clusters).toEqual([]);
  });
});
