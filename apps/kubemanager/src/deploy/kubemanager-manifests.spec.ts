import yaml from 'js-yaml';
import {
  DEFAULT_CONFIG_API_GRPC,
  DEFAULT_IMAGE,
  kubeconfigSecretName,
  kubemanagerManifests,
  kubemanagerName,
  type KubemanagerManifestsInput,
} from './kubemanager-manifests.js';

type Doc = Record<string, any>;

const KUBECONFIG = 'apiVersion: v1\nkind: Config\nusers:\n- name: "ünïcode \\"quoted\\""\n  user: {token: abc}\n';

function render(input: Partial<KubemanagerManifestsInput> = {}): Record<string, { text: string; doc: Doc }> {
  const files = kubemanagerManifests({ cluster: 'east', kubeconfig: KUBECONFIG, ...input });
  return Object.fromEntries(files.map((file) => [file.path, { text: file.content, doc: yaml.load(file.content) as Doc }]));
}

function envOf(deployment: Doc): Record<string, unknown> {
  const [container] = deployment.spec.template.spec.containers;
  return Object.fromEntries((container.env as Array<{ name: string; value: unknown }>).map((e) => [e.name, e.value]));
}

describe('kubemanagerManifests', () => {
  it('writes a kustomization, the kubeconfig Secret and the Deployment, named after the cluster', () => {
    const files = render();
    expect(Object.keys(files)).toEqual(['kustomization.yaml', 'kubeconfig-secret.yaml', 'deployment.yaml']);
    expect(files['kustomization.yaml'].doc).toMatchObject({ kind: 'Kustomization', namespace: 'contrail', resources: ['kubeconfig-secret.yaml', 'deployment.yaml'] });
    expect(files['kubeconfig-secret.yaml'].doc.metadata).toMatchObject({ name: 'kubemanager-east-kubeconfig', namespace: 'contrail' });
    expect(files['deployment.yaml'].doc.metadata).toMatchObject({ name: 'kubemanager-east', namespace: 'contrail' });
    expect(kubemanagerName('east')).toBe('kubemanager-east');
    expect(kubeconfigSecretName('east')).toBe('kubemanager-east-kubeconfig');
  });

  it('keeps the kubeconfig byte for byte, base64 in the Secret data', () => {
    const secret = render()['kubeconfig-secret.yaml'].doc;
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque' });
    expect(Buffer.from(secret.data.kubeconfig, 'base64').toString('utf8')).toBe(KUBECONFIG);
  });

  it('runs one kubemanager on the mounted kubeconfig, with the defaults', () => {
    const deployment = render()['deployment.yaml'].doc;
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy.type).toBe('Recreate');
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.image).toBe(DEFAULT_IMAGE);
    expect(container.command).toEqual(['node', 'dist/apps/kubemanager/src/main.js']);
    const env = envOf(deployment);
    expect(env).toMatchObject({ KUBEMANAGER_CLUSTER: 'east', CONFIG_API_GRPC: DEFAULT_CONFIG_API_GRPC, BIND_ADDRESS: '0.0.0.0', REST_PORT: '8084' });
    const mount = container.volumeMounts.find((m: Doc) => m.name === 'kubeconfig');
    const volume = pod.volumes.find((v: Doc) => v.name === 'kubeconfig');
    expect(env.KUBECONFIG).toBe(`${mount.mountPath}/kubeconfig`);
    expect(volume.secret.secretName).toBe('kubemanager-east-kubeconfig');
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8084 }]);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('uses the image, namespace and config API address it is given', () => {
    const files = render({ image: 'registry.example.net:5000/contrail-es:1.2.3', namespace: 'network', configApiGrpc: 'config.network.svc:50051' });
    const deployment = files['deployment.yaml'].doc;
    expect(deployment.spec.template.spec.containers[0].image).toBe('registry.example.net:5000/contrail-es:1.2.3');
    expect(deployment.metadata.namespace).toBe('network');
    expect(files['kubeconfig-secret.yaml'].doc.metadata.namespace).toBe('network');
    expect(files['kustomization.yaml'].doc.namespace).toBe('network');
    expect(envOf(deployment).CONFIG_API_GRPC).toBe('config.network.svc:50051');
  });

  it.each(['yes', 'on', 'null', 'n', '123', '1e3', '0x1f', '1-20'])('quotes the cluster name %s so no YAML reader takes it for a non-string', (cluster) => {
    const { text, doc } = render({ cluster })['deployment.yaml'];
    expect(envOf(doc).KUBEMANAGER_CLUSTER).toBe(cluster);
    expect(doc.spec.template.metadata.labels['app.kubernetes.io/instance']).toBe(cluster);
    expect(text).toContain(`value: "${cluster}"`);
  });

  it('accepts a 63-character cluster name, whose label value still fits', () => {
    const cluster = `a${'-'.repeat(61)}z`;
    expect(render({ cluster })['deployment.yaml'].doc.metadata.labels['app.kubernetes.io/instance']).toBe(cluster);
  });

  it.each(['', 'East', 'a_b', '-east', 'east-', 'east.west', `a${'b'.repeat(63)}`, 'east\nkind: Secret'])(
    'rejects the cluster name %j, naming the DNS-label rule',
    (cluster) => {
      expect(() => render({ cluster })).toThrow(/is not a DNS label: 1 to 63 characters .*\[a-z0-9\]\(\[-a-z0-9\]\*\[a-z0-9\]\)\?/);
    },
  );

  it('rejects a bad namespace, image or config API address, and an empty kubeconfig', () => {
    expect(() => render({ namespace: 'Contrail' })).toThrow(/namespace "Contrail" is not a DNS label/);
    expect(() => render({ image: 'contrail-es:1\n  command: [sh]' })).toThrow(/is not an image reference/);
    expect(() => render({ image: '' })).toThrow(/is not an image reference/);
    expect(() => render({ configApiGrpc: 'contrail-config-api' })).toThrow(/is not host:port/);
    expect(() => render({ configApiGrpc: 'contrail-config-api:70000' })).toThrow(/is not host:port/);
    expect(() => render({ kubeconfig: ' \n' })).toThrow(/kubeconfig of cluster east is empty/);
  });
});
