// Bad requests over raw HTTP: every failure is a Kubernetes Status with the real server's code and reason.
import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import { FakeKubeApiServer } from './server.js';
import { kubeConfigFor } from './spec-helpers.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describe('FakeKubeApiServer errors', () => {
  let server: FakeKubeApiServer;

  beforeEach(async () => {
    server = await FakeKubeApiServer.start();
    server.create('Pod', { metadata: { name: 'web', namespace: 'blue' }, spec: {} });
  });

  afterEach(() => server.close());

  async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(`${server.url}${path}`, { method, body, headers: { 'Content-Type': 'application/json', ...headers } });
    expect(response.headers.get('content-type')).toBe('application/json');
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  function status(code: number, reason: string, message: string | RegExp) {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, code, message: typeof message === 'string' ? message : expect.stringMatching(message) };
  }

  it('answers 404 NotFound for paths it does not serve', async () => {
    for (const path of [
      '/',
      '/api',
      '/api/v1/widgets',
      '/api/v2/pods',
      '/apis/apps/v1/deployments',
      '/apis/networking.k8s.io/v1/endpointslices',
      '/api/v1/pods/web',
      '/api/v1/namespaces/blue/status',
      '/api/v1/namespaces/blue/pods/web/status',
      '/api/v1/namespaces/blue/nodes',
      '/api/v1//pods',
    ]) {
      const answer = await call('GET', path);
      expect({ path, ...answer }).toEqual({ path, status: 404, body: status(404, 'NotFound', 'the server could not find the requested resource') });
    }
  });

  it('answers 404 for a missing object, naming it, on every verb', async () => {
    expect(await call('GET', '/api/v1/namespaces/blue/pods/nope')).toEqual({
      status: 404,
      body: { ...status(404, 'NotFound', 'pods "nope" not found'), details: { name: 'nope', kind: 'pods' } },
    });
    expect((await call('GET', '/api/v1/namespaces/red/pods/web')).status).toBe(404);
    expect((await call('DELETE', '/apis/networking.k8s.io/v1/namespaces/blue/networkpolicies/x')).body).toMatchObject({
      message: 'networkpolicies.networking.k8s.io "x" not found',
      details: { name: 'x', group: 'networking.k8s.io', kind: 'networkpolicies' },
    });
    expect((await call('PUT', '/api/v1/nodes/n', JSON.stringify({ metadata: { name: 'n' } }))).status).toBe(404);
    expect((await call('PATCH', '/api/v1/nodes/n', '{}', { 'Content-Type': 'application/merge-patch+json' })).status).toBe(404);
  });

  it('answers 400 BadRequest for a body that is not JSON, naming the problem', async () => {
    const broken = await call('POST', '/api/v1/namespaces/blue/pods', '{"metadata": {"name": "x"');
    expect(broken).toEqual({ status: 400, body: status(400, 'BadRequest', /^the request body is not valid JSON: .+/) });
    expect((await call('PATCH', '/api/v1/namespaces/blue/pods/web', 'annotations=x', { 'Content-Type': 'application/merge-patch+json' })).body).toMatchObject({
      code: 400,
      message: expect.stringContaining('not valid JSON'),
    });
    expect((await call('POST', '/api/v1/namespaces/blue/pods', '')).body).toMatchObject({ code: 400, message: expect.stringContaining('empty') });
    expect((await call('POST', '/api/v1/namespaces/blue/pods', '[1, 2]')).body).toMatchObject({ code: 400, message: 'the request body must be a JSON object' });
    expect((await call('PATCH', '/api/v1/namespaces/blue/pods/web', '"x"', { 'Content-Type': 'application/merge-patch+json' })).body).toMatchObject({
      code: 400,
      message: 'a merge patch must be a JSON object',
    });
    expect((await call('PATCH', '/api/v1/namespaces/blue/pods/web', '{"op": "add"}', { 'Content-Type': 'application/json-patch+json' })).status).toBe(422);
    expect(server.get('Pod', 'blue', 'web')?.metadata.resourceVersion).toBe('1');
  });

  it('answers 400 for a body that contradicts the URL or the kind', async () => {
    const pod = (meta: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({ metadata: meta, ...extra });
    expect((await call('POST', '/api/v1/namespaces/blue/pods', pod({ name: 'x', namespace: 'red' }))).body).toMatchObject({
      code: 400,
      message: 'the namespace of the provided object does not match the namespace sent on the request',
    });
    expect((await call('PUT', '/api/v1/namespaces/blue/pods/web', pod({ name: 'other' }))).body).toMatchObject({
      code: 400,
      message: 'the name of the object (other) does not match the name on the URL (web)',
    });
    expect((await call('POST', '/api/v1/namespaces/blue/pods', pod({ name: 'x' }, { kind: 'Service' }))).body).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect((await call('POST', '/api/v1/namespaces/blue/pods', pod({ name: 'x' }, { apiVersion: 'v2' }))).body).toMatchObject({ code: 400 });
    expect((await call('PATCH', '/api/v1/namespaces/blue/pods/web', pod({ name: 'renamed' }), { 'Content-Type': 'application/merge-patch+json' })).body).toMatchObject({
      code: 400,
      message: 'the name of the object (renamed) does not match the name on the URL (web)',
    });
    expect((await call('POST', '/api/v1/namespaces/blue/pods', pod({}))).body).toMatchObject({ code: 422, reason: 'Invalid', message: expect.stringContaining('metadata.name: Required value') });
    expect((await call('POST', '/api/v1/namespaces/blue/pods', pod({ name: 'a/b' }))).body).toMatchObject({ code: 422 });
    expect((await call('POST', '/api/v1/namespaces/blue/pods', 'name: x', { 'Content-Type': 'application/yaml' })).body).toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
  });

  it('answers 400 for bad query parameters, and 504 for a watch from a future resourceVersion', async () => {
    expect((await call('GET', '/api/v1/pods?labelSelector=a%3D%3D%3Db')).body).toMatchObject({ code: 400, message: expect.stringContaining('unable to parse requirement') });
    expect((await call('GET', '/api/v1/pods?fieldSelector=metadata.name')).body).toMatchObject({ code: 400, message: expect.stringContaining('invalid selector') });
    expect((await call('GET', '/api/v1/pods?watch=true&resourceVersion=abc')).body).toMatchObject({ code: 400, message: 'invalid resource version: "abc"' });
    expect((await call('GET', '/api/v1/pods?watch=true&timeoutSeconds=-1')).body).toMatchObject({ code: 400 });
    expect((await call('GET', '/api/v1/pods?watch=true&resourceVersion=99')).body).toMatchObject({ code: 504, reason: 'Timeout', message: 'Too large resource version: 99, current: 1' });
    expect(server.openWatches).toBe(0);
  });

  it('answers 409 AlreadyExists for a create of an existing name, and 405 for verbs a path does not take', async () => {
    const again = await call('POST', '/api/v1/namespaces/blue/pods', JSON.stringify({ metadata: { name: 'web' } }));
    expect(again).toEqual({ status: 409, body: { ...status(409, 'AlreadyExists', 'pods "web" already exists'), details: { name: 'web', kind: 'pods' } } });
    expect((await call('POST', '/api/v1/namespaces/red/pods', JSON.stringify({ metadata: { name: 'web' } }))).status).toBe(201);
    for (const [method, path] of [
      ['DELETE', '/api/v1/namespaces/blue/pods'],
      ['POST', '/api/v1/pods'],
      ['POST', '/api/v1/namespaces/blue/pods/web'],
      ['PUT', '/api/v1/nodes'],
      ['OPTIONS', '/api/v1/nodes'],
    ]) {
      expect({ method, path, code: (await call(method, path, method === 'OPTIONS' ? undefined : '{}')).body.code }).toEqual({ method, path, code: 405 });
    }
  });

  it('answers 413 for a body over 3 MiB', async () => {
    const huge = JSON.stringify({ metadata: { name: 'big' }, data: 'x'.repeat(3 * 1024 * 1024) });
    expect((await call('POST', '/api/v1/namespaces/blue/pods', huge)).body).toMatchObject({ code: 413, reason: 'RequestEntityTooLarge' });
    expect(server.get('Pod', 'blue', 'big')).toBeUndefined();
  });

  it('with a token, answers 401 Unauthorized without the right bearer token (health and version stay open)', async () => {
    const guarded = await FakeKubeApiServer.start({ token: 's3cret' });
    try {
      const get = (headers: Record<string, string>) => fetch(`${guarded.url}/api/v1/pods`, { headers });
      const unauthorized = await get({});
      expect(unauthorized.status).toBe(401);
      expect(await unauthorized.json()).toEqual(status(401, 'Unauthorized', 'Unauthorized'));
      expect((await get({ Authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await get({ Authorization: 'Basic czNjcmV0' })).status).toBe(401);
      expect((await get({ Authorization: 'Bearer s3cret' })).status).toBe(200);
      expect((await get({ Authorization: 'bearer s3cret' })).status).toBe(200);
      expect((await fetch(`${guarded.url}/api/v1/pods?watch=true`)).status).toBe(401);
      expect(guarded.openWatches).toBe(0);
      expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${guarded.url}/version`)).json()).toMatchObject({ major: '1', gitVersion: expect.any(String) });

      const withWrongToken = kubeConfigFor(guarded, { token: 'nope' }).makeApiClient(CoreV1Api);
      const error = await withWrongToken.listPodForAllNamespaces({}).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ApiException);
      expect((error as ApiException<unknown>).code).toBe(401);
      const withToken = kubeConfigFor(guarded).makeApiClient(CoreV1Api);
      expect((await withToken.listPodForAllNamespaces({})).items).toEqual([]);
    } finally {
      await guarded.close();
    }
  });

  it('client-node sees the Status of a failure in ApiException', async () => {
    const core = kubeConfigFor(server).makeApiClient(CoreV1Api);
    const error = (await core.readNamespacedPod({ name: 'nope', namespace: 'blue' }).catch((caught: unknown) => caught)) as ApiException<string>;
    expect(error.code).toBe(404);
    expect(JSON.parse(error.body)).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'pods "nope" not found' });
  });
});
