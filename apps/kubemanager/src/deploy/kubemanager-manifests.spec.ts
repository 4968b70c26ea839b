import yaml from 'js-yaml';
import { parseTokenFile, tokenDigest } from '#libs/security';
import {
  DEFAULT_CONFIG_API_GRPC,
  DEFAULT_IMAGE,
  TOKEN_LINE_FILE,
  clientTlsSecretName,
  configApiTokenLine,
  kubeconfigSecretName,
  kubemanagerManifests,
  kubemanagerName,
  tokenOfLineFile,
  tokenSecretName,
  type KubemanagerManifestsInput,
} from './kubemanager-manifests.js';

type Doc = Record<string, any>;

const KUBECONFIG = 'apiVersion: v1\nkind: Config\nusers:\n- name: "ünïcode \\"quoted\\""\n  user: {token: abc}\n';
// What cluster:attach draws: randomBytes(32).toString('base64url'), 43 characters.
const TOKEN = 'q3Jv_8Zr-1Xk0b9QwLm2Tn5Yc7Vd4Fe6Gh8Ij0Kl2Mn';

function render(input: Partial<KubemanagerManifestsInput> = {}): Record<string, { text: string; doc: Doc }> {
  const files = kubemanagerManifests({ cluster: 'east', kubeconfig: KUBECONFIG, token: TOKEN, ...input });
  return Object.fromEntries(files.map((file) => [file.path, { text: file.content, doc: file.path.endsWith('.yaml') ? (yaml.load(file.content) as Doc) : {} }]));
}

function volumeOf(deployment: Doc, name: string): { mount: Doc; volume: Doc } {
  const pod = deployment.spec.template.spec;
  return { mount: pod.containers[0].volumeMounts.find((m: Doc) => m.name === name), volume: pod.volumes.find((v: Doc) => v.name === name) };
}

function envOf(deployment: Doc): Record<string, unknown> {
  const [container] = deployment.spec.template.spec.containers;
  return Object.fromEntries((container.env as Array<{ name: string; value: unknown }>).map((e) => [e.name, e.value]));
}

describe('kubemanagerManifests', () => {
  it('writes a kustomization, the kubeconfig and token Secrets, the Deployment, and the token line, named after the cluster', () => {
    const files = render();
    expect(Object.keys(files)).toEqual(['kustomization.yaml', 'kubeconfig-secret.yaml', 'token-secret.yaml', 'deployment.yaml', TOKEN_LINE_FILE]);
    // The token line is for the operator, not a resource kustomize applies.
    expect(files['kustomization.yaml'].doc).toMatchObject({ kind: 'Kustomization', namespace: 'contrail', resources: ['kubeconfig-secret.yaml', 'token-secret.yaml', 'deployment.yaml'] });
    expect(files['kubeconfig-secret.yaml'].doc.metadata).toMatchObject({ name: 'kubemanager-east-kubeconfig', namespace: 'contrail' });
    expect(files['token-secret.yaml'].doc.metadata).toMatchObject({ name: 'kubemanager-east-token', namespace: 'contrail' });
    expect(files['deployment.yaml'].doc.metadata).toMatchObject({ name: 'kubemanager-east', namespace: 'contrail' });
    expect(kubemanagerName('east')).toBe('kubemanager-east');
    expect(kubeconfigSecretName('east')).toBe('kubemanager-east-kubeconfig');
    expect(tokenSecretName('east')).toBe('kubemanager-east-token');
    expect(clientTlsSecretName('east')).toBe('kubemanager-east-tls');
  });

  it('gives the kubemanager its token from the token Secret, as CONFIG_API_TOKEN_FILE', () => {
    const files = render();
    const secret = files['token-secret.yaml'].doc;
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque' });
    expect(Buffer.from(secret.data.token, 'base64').toString('utf8')).toBe(TOKEN);
    const deployment = files['deployment.yaml'].doc;
    const { mount, volume } = volumeOf(deployment, 'config-api-token');
    expect(volume.secret).toEqual({ secretName: 'kubemanager-east-token', items: [{ key: 'token', path: 'token' }], defaultMode: 288 });
    expect(mount.readOnly).toBe(true);
    expect(envOf(deployment).CONFIG_API_TOKEN_FILE).toBe(`${mount.mountPath}/token`);
    // The token itself is in the Secret and the line file only.
    expect(files['deployment.yaml'].text).not.toContain(TOKEN);
    expect(files['kustomization.yaml'].text).not.toContain(TOKEN);
  });

  it("writes the config API's token file line of the kubemanager, which the config API accepts as kubemanager:<cluster>", () => {
    const text = render()[TOKEN_LINE_FILE].text;
    expect(text).toContain(`\n${configApiTokenLine('east', TOKEN)}\n`);
    expect(configApiTokenLine('east', TOKEN)).toBe(`${TOKEN} kubemanager:east kubemanager:east`);
    // The whole file, comments and all, may be appended to the config API's token file.
    const parsed = parseTokenFile(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.entries).toEqual([{ digest: tokenDigest(TOKEN), actor: 'kubemanager:east', roles: ['kubemanager:east'] }]);
  });

  it('reads the token back from a line file, for that cluster only', () => {
    const text = render()[TOKEN_LINE_FILE].text;
    expect(tokenOfLineFile(text, 'east')).toBe(TOKEN);
    expect(tokenOfLineFile(text, 'west')).toBeUndefined();
    expect(tokenOfLineFile(`# ${configApiTokenLine('east', TOKEN)}\n`, 'east')).toBeUndefined();
    expect(tokenOfLineFile('short kubemanager:east kubemanager:east\n', 'east')).toBeUndefined();
    expect(tokenOfLineFile(`${TOKEN} kubemanager:east admin\n`, 'east')).toBeUndefined();
    expect(tokenOfLineFile('', 'east')).toBeUndefined();
  });

  it.each([
    ['too short', 'abcdefghijklmnopqrstuvwxyz01234'],
    ['a blank', `${TOKEN.slice(0, 20)} ${TOKEN.slice(20)}`],
    ['a comment mark', `#${TOKEN}`],
    ['a line break', `${TOKEN}\nkind: Secret`],
    ['empty', ''],
  ])('rejects a token that is %s, without writing it in the message', (_, token) => {
    let message = '';
    try {
      render({ token });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/the config API token of cluster east is not at least 32 characters of the base64url alphabet/);
    if (token !== '') expect(message).not.toContain(token);
  });

  it('uses plain gRPC to the config API unless told to use TLS', () => {
    const deployment = render()['deployment.yaml'].doc;
    expect(Object.keys(envOf(deployment)).filter((name) => name.startsWith('CONFIG_API_TLS'))).toEqual([]);
    expect(volumeOf(deployment, 'tls').volume).toBeUndefined();
  });

  it("with TLS trusts the ca.crt of Secret contrail-tls, and mounts no other key of it", () => {
    const deployment = render({ configApiTls: {} })['deployment.yaml'].doc;
    const env = envOf(deployment);
    const { mount, volume } = volumeOf(deployment, 'tls');
    expect(volume.secret).toEqual({ secretName: 'contrail-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 288 });
    expect(env.CONFIG_API_TLS_CA_FILE).toBe(`${mount.mountPath}/ca.crt`);
    expect(env.CONFIG_API_TLS_CERT_FILE).toBeUndefined();
    expect(env.CONFIG_API_TLS_KEY_FILE).toBeUndefined();
    expect(volumeOf(deployment, 'tls-client').volume).toBeUndefined();
    // Its own /health stays plain HTTP.
    expect(deployment.spec.template.spec.containers[0].readinessProbe.httpGet.scheme).toBeUndefined();
  });

  it('with a client certificate presents the one of Secret kubemanager-<cluster>-tls', () => {
    const deployment = render({ configApiTls: { clientCertificate: true } })['deployment.yaml'].doc;
    const env = envOf(deployment);
    const { mount, volume } = volumeOf(deployment, 'tls-client');
    expect(volume.secret).toEqual({ secretName: 'kubemanager-east-tls', items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }], defaultMode: 288 });
    expect([env.CONFIG_API_TLS_CERT_FILE, env.CONFIG_API_TLS_KEY_FILE]).toEqual([`${mount.mountPath}/tls.crt`, `${mount.mountPath}/tls.key`]);
    expect(env.CONFIG_API_TLS_CA_FILE).toBe(`${volumeOf(deployment, 'tls').mount.mountPath}/ca.crt`);
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
    expect(files['token-secret.yaml'].doc.metadata.namespace).toBe('network');
    expect(files['kustomization.yaml'].doc.namespace).toBe('network');
    expect(files[TOKEN_LINE_FILE].text).toContain('contrail-api-tokens in namespace network of the central cluster');
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
