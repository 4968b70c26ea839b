import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { parseTokenFile, tokenDigest, type TokenEntry } from '#libs/security';
import { deployOverlays, EXAMPLE_CLUSTER } from '../../apps/kubemanager/src/deploy/deploy-overlays.js';
import { DEFAULT_IMAGE, TOKEN_LINE_FILE, kubemanagerManifests } from '../../apps/kubemanager/src/deploy/kubemanager-manifests.js';

/*
 * Renders every kustomization of deploy/ with `kubectl kustomize` and checks what the manifests promise
 * (deploy/README.md): the ports, probes and replicas of each app, how each store is wired, the kubemanager RBAC,
 * one image everywhere, and only environment variables the apps read; that the config API has a token file and
 * every kubemanager a token from its Secret, every file an app is pointed at is a key of a Secret mounted there, TLS
 * is off but in deploy/tls/* (probes HTTPS there, never client-auth `require` under an HTTP probe), and no Secret
 * holds anything that looks like a real credential. Also checks, without kubectl, that the kustomizations stay
 * within what kustomize v2.0.3 (kubectl 1.20) reads, that deploy/clusters/example is the generator's output
 * (UPDATE_DEPLOY_EXAMPLE=1 rewrites it), and the Dockerfile's entry points.
 * KUBECTL=/path/to/kubectl picks the binary (e.g. Debian's kubernetes-client, kubectl 1.20).
 */

type K8s = Record<string, any>;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

const SERVER_TLS_ENV = ['TLS_CERT_FILE', 'TLS_KEY_FILE', 'TLS_CLIENT_CA_FILE', 'TLS_CLIENT_AUTH'];
const CLIENT_TLS_ENV = ['CONFIG_API_TLS_CA_FILE', 'CONFIG_API_TLS_CERT_FILE', 'CONFIG_API_TLS_KEY_FILE'];

/**
 * What each app reads from its environment (config-api-service-config.ts and config-api-environment.ts,
 * control-service-config.ts and control-options.ts, kubemanager-config.ts, and the readers of libs/config and
 * libs/security they call); anything else in a manifest is a typo. A static test checks each name is in those sources.
 */
const APP_ENV: Record<string, readonly string[]> = {
  'config-api': [
    'BIND_ADDRESS', 'REST_PORT', 'GRPC_PORT', 'STORE', 'DATABASE_URL', 'KURRENTDB_CONNECTION_STRING', 'DATA_DIR', 'LOG_LEVEL',
    'SHUTDOWN_TIMEOUT_MS', 'CHECKPOINT_EVERY', 'AUDIT_SNAPSHOT_EVERY', 'REST_BODY_LIMIT_BYTES', 'GRPC_MAX_MESSAGE_BYTES',
    'LIST_MAX_PAGE', 'LIST_MAX_UNPAGED', 'AUTH_TOKENS_FILE', 'AUTH_JWT_KEYS_FILE', 'AUTH_JWT_SECRET_FILE', 'AUTH_JWT_ISSUER',
    'AUTH_JWT_AUDIENCE', 'AUTH_ANONYMOUS', 'AUTH_RELOAD_INTERVAL_MS', ...SERVER_TLS_ENV,
  ],
  control: [
    'BIND_ADDRESS', 'REST_PORT', 'GRPC_PORT', 'XMPP_PORT', 'STORE', 'DATABASE_URL', 'KURRENTDB_CONNECTION_STRING', 'DATA_DIR',
    'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS', 'CHECKPOINT_EVERY', 'GRPC_MAX_MESSAGE_BYTES', 'AGENT_HOLD_TIME_MS', 'AGENT_WINDOW',
    'AGENT_BATCH_ROUTES', 'AGENT_MAX_PENDING', 'AGENT_MAX_SESSIONS_PER_ADDRESS', 'AGENT_CONNECT_RATE', 'AGENT_CONNECT_BURST',
    'XMPP_HOLD_TIME_S', 'XMPP_MAX_STANZA_BYTES', ...SERVER_TLS_ENV, 'XMPP_TLS', 'AGENT_IDENTITY', 'AUTH_TOKENS_FILE',
    'AUTH_JWT_KEYS_FILE', 'AUTH_JWT_SECRET_FILE', 'AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE', 'AUTH_ANONYMOUS', 'AUTH_RELOAD_INTERVAL_MS',
  ],
  kubemanager: [
    'KUBEMANAGER_CLUSTER', 'KUBECONFIG', 'CONFIG_API_GRPC', 'CONFIG_API_TOKEN_FILE', ...CLIENT_TLS_ENV, 'KUBEMANAGER_RESYNC_MS',
    'KUBEMANAGER_CONCURRENCY', 'REST_PORT', 'BIND_ADDRESS', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS',
  ],
};
/** Where each app's variable names are read: its own sources and the libraries whose readers it calls. */
const APP_SOURCES: Record<string, readonly string[]> = {
  'config-api': ['apps/config-api/src', 'libs/config/src', 'libs/security/src'],
  control: ['apps/control/src', 'libs/config/src', 'libs/security/src'],
  kubemanager: ['apps/kubemanager/src', 'libs/config/src'],
};
/** Variables that name a file the app reads: each must be a key of a Secret mounted at that path. */
const FILE_ENV = [
  'AUTH_TOKENS_FILE', 'AUTH_JWT_KEYS_FILE', 'AUTH_JWT_SECRET_FILE', 'TLS_CERT_FILE', 'TLS_KEY_FILE', 'TLS_CLIENT_CA_FILE',
  'CONFIG_API_TOKEN_FILE', ...CLIENT_TLS_ENV, 'KUBECONFIG',
];
/** The overlays that serve TLS (deploy/README.md, "TLS"); everywhere else TLS is off. */
const TLS_OVERLAYS = ['deploy/tls/central', 'deploy/tls/single-cluster'];
/** The servers' TLS Secret: the kubernetes.io/tls keys plus the CA. */
const TLS_SECRET = 'contrail-tls';
/** Words that mark a committed value as a placeholder, not a credential. */
const PLACEHOLDER = /placeholder|change-?me|example|not-a-secret|dev-only/i;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass']);
const NAMESPACE = 'contrail';
/** What kustomize v2.0.3 reads (kubectl 1.20); newer fields would render here and break there. */
const OLD_KUSTOMIZE_FIELDS = new Set([
  'apiVersion', 'kind', 'namespace', 'commonLabels', 'commonAnnotations', 'bases', 'resources', 'images',
  'patchesStrategicMerge', 'configMapGenerator', 'secretGenerator', 'generatorOptions',
]);
const KUBEMANAGER_KINDS: ReadonlyArray<[group: string, resource: string]> = [
  ['', 'namespaces'], ['', 'nodes'], ['', 'pods'], ['', 'services'], ['discovery.k8s.io', 'endpointslices'], ['networking.k8s.io', 'networkpolicies'],
];

function findKubectl(): string | undefined {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'kubectl');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const KUBECTL = findKubectl();
const ALLOW_NO_KUBECTL = process.env.ALLOW_NO_KUBECTL === '1';
const NO_KUBECTL =
  'kubectl is not on PATH, so deploy/ cannot be rendered: install it (Debian: apt-get install kubernetes-client), ' +
  'point KUBECTL at one, or set ALLOW_NO_KUBECTL=1 to skip the render checks';

// --- reading rendered objects -------------------------------------------------------------------------------------

function ofKind(objects: K8s[], kind: string): K8s[] {
  return objects.filter((o) => o.kind === kind);
}

function named(objects: K8s[], kind: string, name: string): K8s {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

/** The app a container runs: `node dist/apps/<app>/src/main.js`. */
function appOf(container: K8s): string | undefined {
  const argv: string[] = [...(container.command ?? []), ...(container.args ?? [])];
  return argv.map((arg) => /^dist\/apps\/([^/]+)\/src\/main\.js$/.exec(arg)?.[1]).find(Boolean);
}

interface AppPod {
  app: string;
  workload: K8s;
  pod: K8s;
  container: K8s;
}

function appPods(objects: K8s[]): AppPod[] {
  return objects
    .filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind))
    .flatMap((workload) =>
      (workload.spec.template.spec.containers as K8s[]).flatMap((container) => {
        const app = appOf(container);
        return app ? [{ app, workload, pod: workload.spec.template.spec, container }] : [];
      }),
    );
}

function theApp(objects: K8s[], app: string): AppPod {
  const pods = appPods(objects).filter((p) => p.app === app);
  expect(pods.map((p) => p.workload.metadata.name)).toHaveLength(1);
  return pods[0];
}

function envVar(container: K8s, name: string): K8s | undefined {
  return (container.env as K8s[] | undefined)?.find((e) => e.name === name);
}

function envValue(container: K8s, name: string): string | undefined {
  return envVar(container, name)?.value;
}

/** The containerPort a port reference (name or number) of this container means. */
function containerPort(container: K8s, port: string | number): number | undefined {
  const ports = (container.ports ?? []) as K8s[];
  return typeof port === 'number' ? ports.find((p) => p.containerPort === port)?.containerPort : ports.find((p) => p.name === port)?.containerPort;
}

/** The container ports a Service reaches on the pods it selects (target ports resolved through the container). */
function serviceTargets(service: K8s, container: K8s): number[] {
  return (service.spec.ports as K8s[]).map((p) => containerPort(container, p.targetPort ?? p.port)).filter((p): p is number => p !== undefined);
}

function selects(service: K8s, podLabels: Record<string, string>, podName?: string): boolean {
  const labels = podName ? { ...podLabels, 'statefulset.kubernetes.io/pod-name': podName } : podLabels;
  const selector = (service.spec.selector ?? {}) as Record<string, string>;
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function secretRef(container: K8s, name: string): { name: string; key: string } | undefined {
  return envVar(container, name)?.valueFrom?.secretKeyRef;
}

function secretText(objects: K8s[], ref: { name: string; key: string }): string {
  const secret = named(objects, 'Secret', ref.name);
  const value = secret.data?.[ref.key] ?? secret.stringData?.[ref.key];
  expect(value).toBeDefined();
  return secret.data?.[ref.key] !== undefined ? Buffer.from(value, 'base64').toString('utf8') : value;
}

/** The Secret (and its key) or ConfigMap a file path of the container is mounted from; undefined when none is. */
function mountedFile(pod: K8s, container: K8s, path: string): { kind: 'Secret' | 'ConfigMap'; name: string; key: string; optional: boolean } | undefined {
  const mount = ((container.volumeMounts ?? []) as K8s[])
    .filter((m) => path.startsWith(`${String(m.mountPath).replace(/\/$/, '')}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (!mount) return undefined;
  const volume = ((pod.volumes ?? []) as K8s[]).find((v) => v.name === mount.name);
  const source = volume?.secret ?? volume?.configMap;
  if (!source) return undefined;
  const relativePath = path.slice(String(mount.mountPath).replace(/\/$/, '').length + 1);
  const items = source.items as K8s[] | undefined;
  const key = items ? items.find((item) => item.path === relativePath)?.key : relativePath;
  if (key === undefined) return undefined;
  return { kind: volume?.secret ? 'Secret' : 'ConfigMap', name: source.secretName ?? source.name, key, optional: source.optional === true };
}

/** The keys a Secret volume of the pod exposes from Secret `name` (all of them: undefined). */
function exposedKeys(pod: K8s, name: string): Array<string[] | undefined> {
  return ((pod.volumes ?? []) as K8s[]).filter((v) => v.secret?.secretName === name).map((v) => (v.secret.items as K8s[] | undefined)?.map((i) => i.key));
}

/** The text of key `key` of a rendered Secret, or undefined when the overlay does not render it (or lacks the key). */
function renderedSecretText(objects: K8s[], name: string, key: string): string | undefined {
  const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name);
  const value = secret?.data?.[key] ?? secret?.stringData?.[key];
  if (value === undefined) return undefined;
  return secret?.data?.[key] !== undefined ? Buffer.from(value, 'base64').toString('utf8') : value;
}

/** The entries of a token file that must parse; the problems in the failure message otherwise. */
function tokenEntries(text: string): TokenEntry[] {
  const parsed = parseTokenFile(text);
  expect(parsed.ok ? [] : parsed.problems).toEqual([]);
  return parsed.ok ? parsed.entries : [];
}

/**
 * Words of `text` that look like a real credential: 20 characters or more of a token alphabet mixing upper case,
 * lower case and digits (what random base64 is) with no placeholder word; and any PEM private key.
 */
function realLookingSecrets(text: string): string[] {
  const words = text
    .split(/[\s"'`,;:@]+/)
    .filter((w) => /^[A-Za-z0-9+/_=-]{20,}$/.test(w) && /[a-z]/.test(w) && /[A-Z]/.test(w) && /[0-9]/.test(w) && !PLACEHOLDER.test(w));
  const keys = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text) ? ['a PEM private key'] : [];
  return [...words.map((w) => `${w.slice(0, 6)}… (${w.length} characters)`), ...keys];
}

/** How the container's REST port answers kubelet probes over TLS: none (plain), optional or require. */
function clientAuthOf(container: K8s): 'none' | 'optional' | 'require' | undefined {
  if (envValue(container, 'TLS_CERT_FILE') === undefined) return undefined;
  const explicit = envValue(container, 'TLS_CLIENT_AUTH') as 'none' | 'optional' | 'require' | undefined;
  return explicit ?? (envValue(container, 'TLS_CLIENT_CA_FILE') !== undefined ? 'require' : 'none');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.isFile() && entry.name.endsWith('.ts') && !/\.(spec|test)\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Whether some rule of the role allows `verb` on `group`/`resource`. */
function allows(role: K8s, group: string, resource: string, verb: string): boolean {
  return (role.rules as K8s[]).some(
    (rule) =>
      (rule.apiGroups ?? []).some((g: string) => g === group || g === '*') &&
      (rule.resources ?? []).some((r: string) => r === resource || r === '*') &&
      (rule.verbs ?? []).some((v: string) => v === verb || v === '*'),
  );
}

/** The ClusterRoles bound to ServiceAccount namespace/name. */
function rolesOf(objects: K8s[], namespace: string, name: string): K8s[] {
  return ofKind(objects, 'ClusterRoleBinding')
    .filter((b) => (b.subjects as K8s[]).some((s) => s.kind === 'ServiceAccount' && s.name === name && s.namespace === namespace))
    .map((b) => named(objects, 'ClusterRole', b.roleRef.name));
}

function expectKubemanagerRbac(objects: K8s[]): void {
  named(objects, 'ServiceAccount', 'contrail-kubemanager');
  const roles = rolesOf(objects, NAMESPACE, 'contrail-kubemanager');
  const can = (group: string, resource: string, verb: string): boolean => roles.some((role) => allows(role, group, resource, verb));
  for (const [group, resource] of KUBEMANAGER_KINDS) {
    for (const verb of ['list', 'watch']) expect(`${verb} ${group || 'core'}/${resource}: ${can(group, resource, verb)}`).toMatch(/true$/);
  }
  expect(can('', 'pods', 'patch')).toBe(true);
  expect(can('', 'events', 'create')).toBe(true);
}

// --- the static checks ----------------------------------------------------------------------------------------

function kustomizationDirs(dir: string): string[] {
  const here = existsSync(join(dir, 'kustomization.yaml')) ? [relative(ROOT, dir)] : [];
  const children = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  return [...here, ...children.flatMap((entry) => kustomizationDirs(join(dir, entry.name)))];
}

describe('deploy/ without kubectl', () => {
  const overlays = deployOverlays();

  it('lists every kustomization of deploy/ as an overlay to render (attached clusters other than the example aside)', () => {
    const found = kustomizationDirs(join(ROOT, 'deploy')).filter((dir) => !/^deploy\/clusters\/(?!example$)/.test(dir));
    expect(found.sort()).toEqual(overlays.map((o) => o.dir).sort());
  });

  it.each(overlays.map((o) => o.dir))('%s stays within kustomize v2.0.3 (kubectl 1.20)', (dir) => {
    const kustomization = yaml.load(readFileSync(join(ROOT, dir, 'kustomization.yaml'), 'utf8')) as K8s;
    expect(Object.keys(kustomization).filter((field) => !OLD_KUSTOMIZE_FIELDS.has(field))).toEqual([]);
    // v2.0.3 reads only files under `resources`, only directories under `bases`.
    for (const file of kustomization.resources ?? []) expect(`${file}: ${statSync(join(ROOT, dir, file)).isFile()}`).toBe(`${file}: true`);
    for (const base of kustomization.bases ?? []) expect(`${base}: ${statSync(join(ROOT, dir, base)).isDirectory()}`).toBe(`${base}: true`);
  });

  it('keeps deploy/clusters/example equal to the generator output (UPDATE_DEPLOY_EXAMPLE=1 rewrites it)', () => {
    const dir = join(ROOT, 'deploy', 'clusters', EXAMPLE_CLUSTER.cluster);
    const files = kubemanagerManifests(EXAMPLE_CLUSTER);
    if (process.env.UPDATE_DEPLOY_EXAMPLE === '1') {
      mkdirSync(dir, { recursive: true });
      for (const file of files) writeFileSync(join(dir, file.path), file.content);
    }
    expect(readdirSync(dir).sort()).toEqual(files.map((f) => f.path).sort());
    for (const file of files) expect(readFileSync(join(dir, file.path), 'utf8')).toBe(file.content);
  });

  it.each(Object.keys(APP_ENV))('%s: every variable a manifest may set is one its sources read', (app) => {
    const sources = APP_SOURCES[app].flatMap((dir) => sourceFiles(join(ROOT, dir))).map((file) => readFileSync(file, 'utf8')).join('\n');
    expect(APP_ENV[app].filter((name) => !new RegExp(`['"\`]${name}['"\`]`).test(sources))).toEqual([]);
  });

  it('keeps the TLS patches of the config API and control the same in every deploy/tls/* overlay', () => {
    for (const file of ['config-api-tls.yaml', 'control-tls.yaml']) {
      const texts = TLS_OVERLAYS.map((dir) => readFileSync(join(ROOT, dir, file), 'utf8'));
      for (const text of texts) expect(text).toBe(texts[0]);
    }
  });

  it("writes the example's config API token line for its kubemanager's token, a placeholder", () => {
    const text = readFileSync(join(ROOT, 'deploy', 'clusters', EXAMPLE_CLUSTER.cluster, TOKEN_LINE_FILE), 'utf8');
    const role = `kubemanager:${EXAMPLE_CLUSTER.cluster}`;
    expect(tokenEntries(text)).toEqual([{ digest: tokenDigest(EXAMPLE_CLUSTER.token), actor: role, roles: [role] }]);
    expect(EXAMPLE_CLUSTER.token).toMatch(PLACEHOLDER);
  });

  it('commits nothing that looks like a real credential in the files of deploy/ that are not manifests', () => {
    // The detector: a token as cluster:attach draws one is caught, placeholders are not.
    expect(realLookingSecrets('q3Jv_8Zr-1Xk0b9QwLm2Tn5Yc7Vd4Fe6Gh8Ij0Kl2Mn kubemanager:east kubemanager:east')).toHaveLength(1);
    expect(realLookingSecrets(`${EXAMPLE_CLUSTER.token} dev-only-admin-token-PLACEHOLDER kubemanager-example-kubeconfig`)).toEqual([]);
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
    const tracked = files(join(ROOT, 'deploy')).filter((f) => !/^deploy\/clusters\/(?!example\/|\.gitignore$)/.test(relative(ROOT, f)));
    for (const file of tracked.filter((f) => !f.endsWith('.yaml'))) {
      expect(`${relative(ROOT, file)}: ${realLookingSecrets(readFileSync(file, 'utf8')).join(', ')}`).toBe(`${relative(ROOT, file)}: `);
    }
  });

  it('documents every deployable overlay in deploy/README.md', () => {
    const readme = readFileSync(join(ROOT, 'deploy', 'README.md'), 'utf8');
    for (const overlay of overlays.filter((o) => o.deployable)) expect(readme).toContain(overlay.dir);
  });

  it('builds an image whose entry points exist: the Dockerfile and every manifest name apps/<app>/src/main.ts', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^CMD \["node", ?"dist\/apps\/controller\/src\/main\.js"\]$/m);
    expect(dockerfile).toMatch(/^ENV .*BIND_ADDRESS=0\.0\.0\.0/m);
    expect(dockerfile).toMatch(/^EXPOSE 8082 50051 5269$/m);
    expect(dockerfile).toMatch(/^USER [1-9]\d*$/m);
    expect(dockerfile).toMatch(/npm ci[\s\S]*npm run build[\s\S]*npm prune --omit=dev/);
    const manifests = overlays.flatMap((o) =>
      readdirSync(join(ROOT, o.dir), { withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => readFileSync(join(ROOT, o.dir, entry.name), 'utf8')),
    );
    const texts = [dockerfile, ...manifests];
    const apps = new Set(texts.flatMap((text) => [...text.matchAll(/dist\/apps\/([a-z0-9-]+)\/src\/main\.js/g)].map((m) => m[1])));
    expect([...apps].sort()).toEqual(['config-api', 'control', 'controller', 'kubemanager']);
    for (const app of apps) expect(`apps/${app}/src/main.ts exists: ${existsSync(join(ROOT, 'apps', app, 'src', 'main.ts'))}`).toMatch(/true$/);
  });
});

// --- the rendered checks ----------------------------------------------------------------------------------------

it('finds kubectl to render deploy/', () => {
  if (!KUBECTL && !ALLOW_NO_KUBECTL) throw new Error(NO_KUBECTL);
  if (!KUBECTL) process.stderr.write(`deploy-manifests: render checks skipped (ALLOW_NO_KUBECTL=1): ${NO_KUBECTL}\n`);
});

(KUBECTL ? describe : describe.skip)(`deploy/ rendered by ${KUBECTL ?? 'kubectl'}`, () => {
  const rendered = new Map<string, K8s[]>();
  const objectsOf = (dir: string): K8s[] => {
    const objects = rendered.get(dir);
    if (!objects) throw new Error(`${dir} was not rendered`);
    return objects;
  };

  /** What cluster:attach writes when it reached the config API over TLS with a client certificate, rendered too. */
  const GENERATED_TLS = 'cluster:attach --tls-ca --tls-cert';
  let generatedTlsDir: string | undefined;

  beforeAll(async () => {
    generatedTlsDir = mkdtempSync(join(tmpdir(), 'deploy-manifests-'));
    for (const file of kubemanagerManifests({ ...EXAMPLE_CLUSTER, configApiTls: { clientCertificate: true } })) writeFileSync(join(generatedTlsDir, file.path), file.content);
    const render = async (key: string, dir: string): Promise<void> => {
      const { stdout } = await run(KUBECTL as string, ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 });
      rendered.set(key, (yaml.loadAll(stdout) as K8s[]).filter((doc) => doc !== null && doc !== undefined));
    };
    await Promise.all([...deployOverlays().map(({ dir }) => render(dir, join(ROOT, dir))), render(GENERATED_TLS, generatedTlsDir)]);
  });

  afterAll(() => {
    if (generatedTlsDir) rmSync(generatedTlsDir, { recursive: true, force: true });
  });

  it.each(deployOverlays().map((o) => o.dir))('%s: every object is whole, in namespace contrail when namespaced, and unique', (dir) => {
    const objects = objectsOf(dir);
    expect(objects.length).toBeGreaterThan(0);
    const keys = new Set<string>();
    for (const o of objects) {
      expect(typeof o.apiVersion).toBe('string');
      expect(typeof o.kind).toBe('string');
      expect(typeof o.metadata?.name).toBe('string');
      const where = `${o.kind}/${o.metadata.name}`;
      expect(`${where} in ${o.metadata.namespace}`).toBe(`${where} in ${CLUSTER_SCOPED.has(o.kind) ? undefined : NAMESPACE}`);
      expect(o.metadata.labels?.['app.kubernetes.io/part-of']).toBe('contrail-es');
      const key = `${where} in ${o.metadata.namespace}`;
      expect(keys.has(key)).toBe(false);
      keys.add(key);
      // kustomize v2's commonLabels once wrote a map here when a StatefulSet had no claim templates.
      if (o.kind === 'StatefulSet' && o.spec.volumeClaimTemplates !== undefined) expect(Array.isArray(o.spec.volumeClaimTemplates)).toBe(true);
    }
  });

  it.each(deployOverlays().map((o) => o.dir))('%s: every app runs the one image, non-root, probed, with requests and only the variables it reads', (dir) => {
    for (const { app, workload, pod, container } of appPods(objectsOf(dir))) {
      const where = `${dir} ${workload.kind}/${workload.metadata.name}`;
      expect(`${where}: ${container.image}`).toBe(`${where}: ${DEFAULT_IMAGE}`);
      const allowed = APP_ENV[app];
      expect(allowed).toBeDefined();
      expect(((container.env ?? []) as K8s[]).map((e) => e.name).filter((name) => !allowed.includes(name))).toEqual([]);
      expect(envValue(container, 'BIND_ADDRESS')).toBe('0.0.0.0');
      // Each *_PORT variable is a port the container declares.
      for (const variable of ['REST_PORT', 'GRPC_PORT', 'XMPP_PORT']) {
        const value = envValue(container, variable);
        if (value !== undefined) expect(`${variable}=${value}: ${containerPort(container, Number(value))}`).toBe(`${variable}=${value}: ${value}`);
      }
      // HTTPS probes where REST serves TLS (the kubelet does not check the certificate, and presents none: a port that
      // requires client certificates cannot be probed over HTTP(S), only over TCP).
      const clientAuth = clientAuthOf(container);
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'].filter((p) => p !== 'startupProbe' || container[p])) {
        const what = `${where} ${probe}`;
        if (clientAuth === 'require') {
          expect(`${what}: ${container[probe]?.httpGet ? 'httpGet' : 'tcpSocket'}`).toBe(`${what}: tcpSocket`);
          expect(containerPort(container, container[probe].tcpSocket.port)).toBe(Number(envValue(container, 'REST_PORT')));
          continue;
        }
        expect(container[probe]?.httpGet?.path).toBe('/health');
        expect(containerPort(container, container[probe].httpGet.port)).toBe(Number(envValue(container, 'REST_PORT')));
        expect(`${what}: ${container[probe].httpGet.scheme ?? 'HTTP'}`).toBe(`${what}: ${clientAuth === undefined ? 'HTTP' : 'HTTPS'}`);
      }
      expect(container.resources?.requests?.cpu).toBeDefined();
      expect(container.resources?.requests?.memory).toBeDefined();
      expect(pod.securityContext?.runAsNonRoot ?? container.securityContext?.runAsNonRoot).toBe(true);
      expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
      // A read-only root file system needs DATA_DIR on a volume.
      const dataDir = envValue(container, 'DATA_DIR');
      if (dataDir !== undefined) expect(((container.volumeMounts ?? []) as K8s[]).map((m) => m.mountPath)).toContain(dataDir);
      const shutdownMs = Number(envValue(container, 'SHUTDOWN_TIMEOUT_MS') ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
      expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(shutdownMs);
    }
  });

  const CENTRAL_SERVICES = ['deploy/base', 'deploy/central', 'deploy/central-kurrentdb', 'deploy/single-cluster', 'deploy/dev', ...TLS_OVERLAYS];

  it.each(CENTRAL_SERVICES)(
    '%s: the config API serves 8082 and 50051 behind its Service, probed on /health',
    (dir) => {
      const objects = objectsOf(dir);
      const { workload, container } = theApp(objects, 'config-api');
      expect(workload.kind).toBe('Deployment');
      expect((container.ports as K8s[]).map((p) => p.containerPort).sort()).toEqual([50051, 8082]);
      expect(containerPort(container, container.readinessProbe.httpGet.port)).toBe(8082);
      const service = ofKind(objects, 'Service').find((s) => selects(s, workload.spec.template.metadata.labels));
      expect(service).toBeDefined();
      expect(serviceTargets(service as K8s, container).sort()).toEqual([50051, 8082]);
    },
  );

  it.each(CENTRAL_SERVICES)(
    '%s: control runs 2 replicas serving XMPP 5269 and gRPC 50051, each replica behind its own Service',
    (dir) => {
      const objects = objectsOf(dir);
      const { workload, container } = theApp(objects, 'control');
      expect(workload.kind).toBe('StatefulSet');
      expect(workload.spec.replicas).toBe(2);
      const ports = (container.ports as K8s[]).map((p) => p.containerPort);
      expect(ports).toEqual(expect.arrayContaining([5269, 50051]));
      const labels = workload.spec.template.metadata.labels;
      named(objects, 'Service', workload.spec.serviceName);
      for (let i = 0; i < workload.spec.replicas; i++) {
        const pod = `${workload.metadata.name}-${i}`;
        const own = ofKind(objects, 'Service').filter((s) => s.spec.selector?.['statefulset.kubernetes.io/pod-name'] === pod && selects(s, labels, pod));
        expect(own.map((s) => s.metadata.name)).toEqual([pod]);
        expect(serviceTargets(own[0], container)).toEqual(expect.arrayContaining([5269, 50051]));
        // Agents in workload clusters reach the central cluster's replicas from outside it.
        if (dir.includes('central')) expect(own[0].spec.type).toBe('LoadBalancer');
      }
    },
  );

  it.each(['deploy/stores/postgres', 'deploy/central', 'deploy/single-cluster', 'deploy/dev', ...TLS_OVERLAYS])(
    '%s: a PostgreSQL StatefulSet holds the log, and the apps take DATABASE_URL from its Secret',
    (dir) => {
      const objects = objectsOf(dir);
      const postgres = ofKind(objects, 'StatefulSet').find((s) => /^postgres:15/.test(s.spec.template.spec.containers[0].image));
      expect(postgres).toBeDefined();
      const pg = (postgres as K8s).spec.template.spec.containers[0];
      expect((postgres as K8s).spec.volumeClaimTemplates).toHaveLength(1);
      const passwordRef = secretRef(pg, 'POSTGRES_PASSWORD');
      expect(passwordRef).toBeDefined();
      const password = secretText(objects, passwordRef as { name: string; key: string });
      const service = ofKind(objects, 'Service').find((s) => selects(s, (postgres as K8s).spec.template.metadata.labels)) as K8s;
      for (const app of ['config-api', 'control']) {
        const { container } = theApp(objects, app);
        expect(envValue(container, 'STORE')).toBe('postgres');
        const urlRef = secretRef(container, 'DATABASE_URL');
        expect(urlRef?.name).toBe(passwordRef?.name);
        const url = new URL(secretText(objects, urlRef as { name: string; key: string }));
        expect(decodeURIComponent(url.password)).toBe(password);
        expect(url.username).toBe(envValue(pg, 'POSTGRES_USER'));
        expect(url.pathname).toBe(`/${envValue(pg, 'POSTGRES_DB')}`);
        expect([url.hostname, url.port]).toEqual([service.metadata.name, String(serviceTargets(service, pg)[0])]);
      }
    },
  );

  it.each(['deploy/stores/kurrentdb', 'deploy/central-kurrentdb'])('%s: no PostgreSQL; STORE=kurrentdb with the connection string from a Secret', (dir) => {
    const objects = objectsOf(dir);
    expect(objects.filter((o) => /postgres/.test(JSON.stringify(o)))).toEqual([]);
    for (const app of ['config-api', 'control']) {
      const { container } = theApp(objects, app);
      expect(envValue(container, 'STORE')).toBe('kurrentdb');
      expect(secretRef(container, 'KURRENTDB_CONNECTION_STRING')).toEqual({ name: 'contrail-kurrentdb', key: 'connection-string' });
    }
  });

  it.each(['deploy/base', 'deploy/central', 'deploy/central-kurrentdb', 'deploy/tls/central'])('%s: runs no kubemanager (attached clusters bring theirs)', (dir) => {
    expect(appPods(objectsOf(dir)).filter((p) => p.app === 'kubemanager')).toEqual([]);
  });

  it.each(['deploy/single-cluster', 'deploy/dev', 'deploy/tls/single-cluster'])('%s: exactly one kubemanager, on its service account with the RBAC it needs', (dir) => {
    const objects = objectsOf(dir);
    const { workload, pod, container } = theApp(objects, 'kubemanager');
    expect(workload.spec.replicas).toBe(1);
    expect(envValue(container, 'KUBECONFIG')).toBeUndefined();
    expect(envValue(container, 'KUBEMANAGER_CLUSTER')).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    const [host, port] = (envValue(container, 'CONFIG_API_GRPC') as string).split(':');
    const configApi = named(objects, 'Service', host);
    expect(serviceTargets(configApi, theApp(objects, 'config-api').container)).toContain(Number(port));
    expect(pod.serviceAccountName).toBe('contrail-kubemanager');
    expectKubemanagerRbac(objects);
  });

  it('deploy/workload: the RBAC and token the central kubemanager uses, and the control addresses for agents', () => {
    const objects = objectsOf('deploy/workload');
    expect(appPods(objects)).toEqual([]);
    expectKubemanagerRbac(objects);
    const token = named(objects, 'Secret', 'contrail-kubemanager-token');
    expect(token.type).toBe('kubernetes.io/service-account-token');
    expect(token.metadata.annotations['kubernetes.io/service-account.name']).toBe('contrail-kubemanager');
    const nodes = named(objects, 'ConfigMap', 'contrail-control-nodes').data;
    expect(nodes.CONTROL_NODES.split(',')).toHaveLength(2);
    expect(nodes.CONTROL_GRPC_SERVERS.split(',')).toHaveLength(2);
    expect(nodes.XMPP_SERVER_PORT).toBe('5269');
  });

  it('deploy/kubemanager-rbac: the six kinds, patch pods, create events', () => {
    expectKubemanagerRbac(objectsOf('deploy/kubemanager-rbac'));
  });

  it('deploy/clusters/example: one kubemanager reading the kubeconfig mounted from its Secret', () => {
    const objects = objectsOf(`deploy/clusters/${EXAMPLE_CLUSTER.cluster}`);
    const { workload, pod, container } = theApp(objects, 'kubemanager');
    expect(workload.metadata.name).toBe(`kubemanager-${EXAMPLE_CLUSTER.cluster}`);
    expect(envValue(container, 'KUBEMANAGER_CLUSTER')).toBe(EXAMPLE_CLUSTER.cluster);
    const volume = (pod.volumes as K8s[]).find((v) => v.secret);
    const mount = (container.volumeMounts as K8s[]).find((m) => m.name === volume?.name);
    expect(envValue(container, 'KUBECONFIG')).toBe(`${mount?.mountPath}/kubeconfig`);
    expect(volume?.secret.secretName).toBe(`kubemanager-${EXAMPLE_CLUSTER.cluster}-kubeconfig`);
    expect(secretText(objects, { name: volume?.secret.secretName, key: 'kubeconfig' })).toBe(EXAMPLE_CLUSTER.kubeconfig);
  });

  // --- credentials and TLS ---

  const rendersWith = (): string[] => [...deployOverlays().map((o) => o.dir), GENERATED_TLS];
  const readme = (): string => readFileSync(join(ROOT, 'deploy', 'README.md'), 'utf8');

  it.each(rendersWith())('%s: every file an app is pointed at is a key of a Secret mounted there; Secrets it does not create are documented', (dir) => {
    const objects = objectsOf(dir);
    const needed = new Set<string>();
    for (const { workload, pod, container } of appPods(objects)) {
      for (const variable of FILE_ENV) {
        const path = envValue(container, variable);
        if (path === undefined) continue;
        const where = `${dir} ${workload.metadata.name} ${variable}=${path}`;
        const file = mountedFile(pod, container, path);
        // Not optional: a file the app is told to read and cannot find stops its start (exit 2). Only public keys may
        // come from a ConfigMap.
        const kinds = variable === 'AUTH_JWT_KEYS_FILE' ? '(Secret|ConfigMap)' : 'Secret';
        expect(`${where}: ${file ? `${file.kind} ${file.name} key ${file.key}${file.optional ? ' (optional)' : ''}` : 'not mounted'}`).toMatch(
          new RegExp(`: ${kinds} \\S+ key \\S+$`),
        );
        if (!file) continue;
        if (file.kind === 'Secret') needed.add(file.name);
        const source = objects.find((o) => o.kind === file.kind && o.metadata.name === file.name);
        if (source) expect(`${where}: ${source.data?.[file.key] !== undefined || source.stringData?.[file.key] !== undefined}`).toBe(`${where}: true`);
      }
      for (const e of (container.env ?? []) as K8s[]) if (e.valueFrom?.secretKeyRef) needed.add(e.valueFrom.secretKeyRef.name);
    }
    const notCreated = [...needed].filter((name) => !objects.some((o) => o.kind === 'Secret' && o.metadata.name === name));
    const documented = (name: string): boolean =>
      readme().includes(name) || readme().includes(name.replace(/^kubemanager-[a-z0-9-]+?-(token|tls|kubeconfig)$/, 'kubemanager-<cluster>-$1'));
    expect(notCreated.filter((name) => !documented(name))).toEqual([]);
  });

  it.each(deployOverlays().filter((o) => o.deployable).map((o) => o.dir))(
    '%s: the config API and control, where they run, take bearer tokens from the Secret contrail-api-tokens and let no anonymous caller in',
    (dir) => {
      const objects = objectsOf(dir);
      for (const { pod, container } of appPods(objects).filter((p) => p.app === 'config-api' || p.app === 'control')) {
        const path = envValue(container, 'AUTH_TOKENS_FILE') as string;
        expect(path).toBeDefined();
        expect(mountedFile(pod, container, path)).toEqual({ kind: 'Secret', name: 'contrail-api-tokens', key: 'tokens', optional: false });
        expect(envValue(container, 'AUTH_ANONYMOUS') ?? 'off').toBe('off');
        // As the config API checks at start: an issuer or audience only with a JWT key.
        if (envVar(container, 'AUTH_JWT_ISSUER') || envVar(container, 'AUTH_JWT_AUDIENCE')) {
          expect(envVar(container, 'AUTH_JWT_KEYS_FILE') ?? envVar(container, 'AUTH_JWT_SECRET_FILE')).toBeDefined();
        }
        const tokens = renderedSecretText(objects, 'contrail-api-tokens', 'tokens');
        if (tokens !== undefined) expect(tokenEntries(tokens).length).toBeGreaterThan(0);
      }
    },
  );

  it.each(rendersWith())("%s: every kubemanager calls the config API with the token of Secret kubemanager-<cluster>-token", (dir) => {
    const objects = objectsOf(dir);
    const apiTokens = renderedSecretText(objects, 'contrail-api-tokens', 'tokens');
    for (const { pod, container } of appPods(objects).filter((p) => p.app === 'kubemanager')) {
      const cluster = envValue(container, 'KUBEMANAGER_CLUSTER') as string;
      const path = envValue(container, 'CONFIG_API_TOKEN_FILE') as string;
      expect(path).toBeDefined();
      expect(mountedFile(pod, container, path)).toEqual({ kind: 'Secret', name: `kubemanager-${cluster}-token`, key: 'token', optional: false });
      const token = renderedSecretText(objects, `kubemanager-${cluster}-token`, 'token');
      // Where the overlay makes both Secrets, the config API knows the kubemanager's token, for its cluster only.
      if (token !== undefined && apiTokens !== undefined) {
        const role = `kubemanager:${cluster}`;
        expect(tokenEntries(apiTokens).filter((e) => e.digest.equals(tokenDigest(token)))).toEqual([{ digest: tokenDigest(token), actor: role, roles: [role] }]);
      }
    }
  });

  it('deploy/dev: makes both token Secrets, from placeholders, with an admin and the kubemanager in the token file', () => {
    const objects = objectsOf('deploy/dev');
    const entries = tokenEntries(renderedSecretText(objects, 'contrail-api-tokens', 'tokens') as string);
    expect(entries.map((e) => e.roles.join(','))).toEqual(expect.arrayContaining(['admin', 'kubemanager:k8s']));
    expect(renderedSecretText(objects, 'kubemanager-k8s-token', 'token')).toMatch(PLACEHOLDER);
  });

  it.each(['deploy/central', 'deploy/central-kurrentdb', 'deploy/single-cluster', 'deploy/tls/central', 'deploy/tls/single-cluster'])(
    '%s: creates no token Secret, so `kubectl apply -k` never overwrites the ones made outside git',
    (dir) => {
      const secrets = ofKind(objectsOf(dir), 'Secret').map((o) => o.metadata.name);
      expect(secrets.filter((name) => name === 'contrail-api-tokens' || /^kubemanager-.*-token$/.test(name) || name === TLS_SECRET)).toEqual([]);
    },
  );

  it.each(deployOverlays().map((o) => o.dir).filter((dir) => !TLS_OVERLAYS.includes(dir)))('%s: TLS is off (deploy/tls/* turns it on)', (dir) => {
    for (const { workload, container } of appPods(objectsOf(dir))) {
      const set = ((container.env ?? []) as K8s[]).map((e) => e.name).filter((name) => [...SERVER_TLS_ENV, 'XMPP_TLS', ...CLIENT_TLS_ENV].includes(name));
      expect(`${workload.metadata.name}: ${set.join(', ')}`).toBe(`${workload.metadata.name}: `);
    }
  });

  it.each(TLS_OVERLAYS)(
    '%s: the config API and control serve TLS from contrail-tls (client certificates optional, probes HTTPS), control requires XMPP STARTTLS, kubemanagers trust its ca.crt only',
    (dir) => {
      const objects = objectsOf(dir);
      const servers = appPods(objects).filter((p) => p.app === 'config-api' || p.app === 'control');
      expect(servers.map((p) => p.app).sort()).toEqual(['config-api', 'control']);
      for (const { app, pod, container } of servers) {
        const files = ['TLS_CERT_FILE', 'TLS_KEY_FILE', 'TLS_CLIENT_CA_FILE'].map((v) => mountedFile(pod, container, envValue(container, v) ?? '(unset)'));
        expect(files.map((f) => f && `${f.kind} ${f.name} ${f.key}`)).toEqual([`Secret ${TLS_SECRET} tls.crt`, `Secret ${TLS_SECRET} tls.key`, `Secret ${TLS_SECRET} ca.crt`]);
        // Written out: with a client CA the default would be require, which the kubelet's HTTPS probes cannot pass.
        expect(envValue(container, 'TLS_CLIENT_AUTH')).toBe('optional');
        for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(`${app} ${probe}: ${container[probe]?.httpGet?.scheme}`).toBe(`${app} ${probe}: HTTPS`);
        if (app === 'control') expect(['on', 'require']).toContain(envValue(container, 'XMPP_TLS'));
      }
      for (const { pod, container } of appPods(objects).filter((p) => p.app === 'kubemanager')) {
        expect(mountedFile(pod, container, envValue(container, 'CONFIG_API_TLS_CA_FILE') ?? '(unset)')).toEqual({ kind: 'Secret', name: TLS_SECRET, key: 'ca.crt', optional: false });
        expect(exposedKeys(pod, TLS_SECRET)).toEqual([['ca.crt']]);
        // It reaches the config API by a name the certificate must carry.
        expect(envValue(container, 'CONFIG_API_GRPC')).toBe('contrail-config-api:50051');
      }
    },
  );

  it(`${GENERATED_TLS}: the kubemanager trusts the ca.crt of contrail-tls only, and presents the certificate of kubemanager-<cluster>-tls`, () => {
    const { pod, container } = theApp(objectsOf(GENERATED_TLS), 'kubemanager');
    const cluster = EXAMPLE_CLUSTER.cluster;
    const file = (variable: string) => mountedFile(pod, container, envValue(container, variable) ?? '(unset)');
    expect(file('CONFIG_API_TLS_CA_FILE')).toEqual({ kind: 'Secret', name: TLS_SECRET, key: 'ca.crt', optional: false });
    expect(exposedKeys(pod, TLS_SECRET)).toEqual([['ca.crt']]);
    expect([file('CONFIG_API_TLS_CERT_FILE'), file('CONFIG_API_TLS_KEY_FILE')]).toEqual([
      { kind: 'Secret', name: `kubemanager-${cluster}-tls`, key: 'tls.crt', optional: false },
      { kind: 'Secret', name: `kubemanager-${cluster}-tls`, key: 'tls.key', optional: false },
    ]);
  });

  it.each(rendersWith())('%s: no Secret holds anything that looks like a real credential', (dir) => {
    for (const secret of ofKind(objectsOf(dir), 'Secret')) {
      for (const key of Object.keys({ ...secret.data, ...secret.stringData })) {
        const where = `Secret ${secret.metadata.name} key ${key}`;
        expect(`${where}: ${realLookingSecrets(renderedSecretText([secret], secret.metadata.name, key) as string).join(', ')}`).toBe(`${where}: `);
      }
    }
  });
});
