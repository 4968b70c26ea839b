import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { kubeconfigYaml } from './kubeconfig.js';
import { FakeKubeApiServer } from './server.js';

describe('kubeconfig', () => {
  let server: FakeKubeApiServer;
  let dir: string;

  beforeEach(async () => {
    server = await FakeKubeApiServer.start({ token: 'tok', clusterName: 'edge-1' });
    dir = mkdtempSync(join(tmpdir(), 'fake-kube-'));
  });

  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a kubeconfig that client-node loads: one cluster, user and context, named after the cluster, current', () => {
    const config = new KubeConfig();
    config.loadFromString(server.kubeconfig());
    expect(config.getCurrentContext()).toBe('edge-1');
    expect(config.getClusters()).toEqual([expect.objectContaining({ name: 'edge-1', server: server.url, skipTLSVerify: true })]);
    expect(config.getUsers()).toEqual([expect.objectContaining({ name: 'edge-1-user', token: 'tok' })]);
    expect(config.getContexts()).toEqual([expect.objectContaining({ name: 'edge-1', cluster: 'edge-1', user: 'edge-1-user' })]);
    expect(server.kubeconfig()).toMatch(/^apiVersion: v1\nkind: Config\n/);
  });

  it('takes another token or server, and has no credentials when there is no token', async () => {
    const config = new KubeConfig();
    config.loadFromString(server.kubeconfig({ token: 'other', server: 'https://10.0.0.1:6443' }));
    expect(config.getCurrentCluster()).toMatchObject({ server: 'https://10.0.0.1:6443', skipTLSVerify: false });
    expect(config.getCurrentUser()?.token).toBe('other');

    const open = await FakeKubeApiServer.start();
    try {
      const plain = new KubeConfig();
      plain.loadFromString(open.kubeconfig());
      expect(plain.getCurrentUser()).toMatchObject({ name: 'fake-user' });
      expect(plain.getCurrentUser()?.token).toBeFalsy();
      expect((await plain.makeApiClient(CoreV1Api).listNamespace({})).items).toEqual([]);
    } finally {
      await open.close();
    }
  });

  it('quotes names and tokens that YAML would otherwise misread', () => {
    const text = kubeconfigYaml({ clusterName: 'a: "b" #c', server: 'http://127.0.0.1:1', token: "yes\n'no'" });
    const config = new KubeConfig();
    config.loadFromString(text);
    expect(config.getCurrentContext()).toBe('a: "b" #c');
    expect(config.getCurrentUser()?.token).toBe("yes\n'no'");
  });

  it('writeKubeconfig writes it to a private file that loadFromFile reads and that reaches the server', async () => {
    const path = server.writeKubeconfig(dir);
    expect(path).toBe(join(dir, 'edge-1.kubeconfig'));
    expect(readFileSync(path, 'utf8')).toBe(server.kubeconfig());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const config = new KubeConfig();
    config.loadFromFile(path);
    server.create('Namespace', { metadata: { name: 'seen' } });
    const namespaces = await config.makeApiClient(CoreV1Api).listNamespace({});
    expect(namespaces.items.map((item) => item.metadata?.name)).toEqual(['seen']);
  });
});
