import { InvalidConfigError } from '#libs/config';
import { flagsAsEnvironment, isClusterName, loadKubemanagerConfig } from './kubemanager-config.js';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidConfigError) return error.problems.map((p) => p.message);
    throw error;
  }
  throw new Error('expected InvalidConfigError');
}

describe('kubemanager settings', () => {
  it('takes the defaults with only a cluster name', () => {
    expect(loadKubemanagerConfig({ KUBEMANAGER_CLUSTER: 'east' })).toEqual({
      cluster: 'east',
      kubeconfig: undefined,
      configApi: '127.0.0.1:50051',
      resyncMs: 120_000,
      concurrency: 64,
      bindAddress: '127.0.0.1',
      restPort: 8084,
      logLevel: 'info',
      shutdownTimeoutMs: 10_000,
    });
  });

  it('lets flags win over their variables', () => {
    const config = loadKubemanagerConfig({ KUBEMANAGER_CLUSTER: 'east', KUBECONFIG: '/a' }, ['--cluster', 'west', '--kubeconfig=/b', '--config-api', 'api:9000']);
    expect(config).toMatchObject({ cluster: 'west', kubeconfig: '/b', configApi: 'api:9000' });
    expect(loadKubemanagerConfig({ KUBEMANAGER_CLUSTER: 'east', CONFIG_API_TOKEN_FILE: '/env' }, ['--token-file', '/flag']).tokenFile).toBe('/flag');
    expect(loadKubemanagerConfig({ KUBEMANAGER_CLUSTER: 'east', CONFIG_API_TOKEN_FILE: '/env' }).tokenFile).toBe('/env');
  });

  it('requires a cluster name and says how to give it', () => {
    expect(problemsOf(() => loadKubemanagerConfig({}))).toEqual([expect.stringMatching(/KUBEMANAGER_CLUSTER is not set.*--cluster NAME/)]);
  });

  it('reports every bad value at once', () => {
    const problems = problemsOf(() =>
      loadKubemanagerConfig({ KUBEMANAGER_CLUSTER: 'East_1', CONFIG_API_GRPC: 'nohost', KUBEMANAGER_RESYNC_MS: '-1', KUBEMANAGER_CONCURRENCY: '0', REST_PORT: 'x' }),
    );
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/KUBEMANAGER_CLUSTER="East_1".*DNS label/);
    expect(problems.join('\n')).toMatch(/CONFIG_API_GRPC="nohost".*host:port/);
  });

  it('refuses an unknown flag or a flag without a value', () => {
    expect(problemsOf(() => loadKubemanagerConfig({}, ['--clutser', 'x']))).toEqual([expect.stringMatching(/unknown argument "--clutser"/)]);
    expect(() => flagsAsEnvironment(['--cluster'])).toThrow('--cluster needs a value');
    expect(() => flagsAsEnvironment(['--cluster', '--kubeconfig', 'f'])).toThrow('--cluster needs a value');
  });

  it('knows a DNS label', () => {
    expect(['a', 'east-1', 'a'.repeat(63)].every(isClusterName)).toBe(true);
    expect(['', '-a', 'a-', 'A', 'a_b', 'a'.repeat(64), 'a.b'].some(isClusterName)).toBe(false);
  });
});
