// The config projection's checkpoints and lag metrics, on the built controller: a restart on the same DATA_DIR
// resumes from the checkpoint (and says so), serves the same objects and Idempotency-Keys, and /metrics shows the
// projection gauges; a checkpoint that cannot be trusted is ignored with the reason.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ControllerProcess } from './controller-process.js';
import { RunningController, networkBody, subnet, tempDataDir, type ConfigApi, type Json } from './config-api-support.js';

const PROJECT = ['default-domain', 'default-project'];

/** The series of `/metrics` whose name starts with `projection_`, by series text. */
async function projectionGauges(api: ConfigApi): Promise<Record<string, number>> {
  const res = await fetch(`${api.base}/metrics`);
  const text = await res.text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('projection_')) continue;
    const space = line.lastIndexOf(' ');
    out[line.slice(0, space)] = Number(line.slice(space + 1));
  }
  return out;
}

/** The GET body (hrefs with a neutral base) and ETag of each object. */
async function served(api: ConfigApi, objects: Array<{ type: string; uuid: string }>): Promise<Json[]> {
  return Promise.all(
    objects.map(async ({ type, uuid }) => {
      const answer = await api.get(`/${type}/${uuid}`);
      return { status: answer.status, etag: answer.headers.get('etag'), body: JSON.parse(JSON.stringify(answer.body).replaceAll(api.base, 'http://config-api')) };
    }),
  );
}

/** The position in the checkpoint file's header line. */
function checkpointFilePosition(dataDir: string): number {
  const text = readFileSync(join(dataDir, 'checkpoints', 'config.checkpoint'), 'utf8');
  return (JSON.parse(text.slice(0, text.indexOf('\n'))) as { position: number }).position;
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('config projection checkpoints on the built controller', () => {
  const dir = tempDataDir();
  const env = { CHECKPOINT_EVERY: '5' };
  let controller: RunningController;
  let api: ConfigApi;
  const objects: Array<{ type: string; uuid: string }> = [];
  let keyed: string;

  beforeAll(async () => {
    controller = await RunningController.start(dir.path, env);
    api = controller.api;
  });

  afterAll(async () => {
    await controller?.process.ensureStopped();
    dir.remove();
  });

  it('folds from position 0 on a new DATA_DIR, then checkpoints every CHECKPOINT_EVERY events while it runs', async () => {
    expect(controller.process.lines.some((l) => l.msg === 'folding from position 0' && l.projection === 'config')).toBe(true);
    const vn = await api.create('virtual-network', networkBody([...PROJECT, 'ckpt-vn'], [{ subnet: subnet('10.60.0.0/24') }]));
    objects.push({ type: 'virtual-network', uuid: vn.uuid });
    for (let i = 0; i < 4; i++) {
      const vmi = await api.create('virtual-machine-interface', { fq_name: [...PROJECT, `ckpt-port-${i}`], virtual_network_refs: [{ to: [...PROJECT, 'ckpt-vn'] }] });
      const iip = await api.create('instance-ip', { fq_name: [`ckpt-ip-${i}`], virtual_network_refs: [{ to: [...PROJECT, 'ckpt-vn'] }], virtual_machine_interface_refs: [{ uuid: vmi.uuid }] });
      objects.push({ type: 'virtual-machine-interface', uuid: vmi.uuid }, { type: 'instance-ip', uuid: iip.uuid });
    }
    const answer = await api.post('/projects', { project: { fq_name: ['default-domain', 'ckpt-keyed'] } }, { headers: { 'Idempotency-Key': 'ckpt-key' } });
    keyed = answer.body.project.uuid;
    objects.push({ type: 'project', uuid: keyed });

    const head = await api.head();
    const gauges = await until('the projection gauges', () => projectionGauges(api), (g) => g['projection_checkpoint_position{projection="config"}']! > 0);
    expect(gauges['projection_position{projection="config"}']).toBe(head);
    expect(gauges['projection_lag_events{projection="config"}']).toBe(0);
    expect(gauges['projection_lag_seconds{projection="config"}']).toBe(0);
    expect(gauges['projection_checkpoint_position{projection="config"}']).toBeLessThanOrEqual(head);
  });

  it('saves on SIGTERM and resumes from that checkpoint on restart, serving the same objects and Idempotency-Keys', async () => {
    const before = await served(api, objects);
    const head = await api.head();
    expect(await controller.stop()).toEqual({ code: 0, signal: null });
    expect(checkpointFilePosition(dir.path)).toBe(head);

    controller = await RunningController.start(dir.path, env);
    api = controller.api;
    const resumed = controller.process.lines.find((l) => l.msg === 'resumed from checkpoint');
    expect(resumed).toMatchObject({ level: 'info', projection: 'config', position: head, head, tail: 0 });
    expect(controller.process.lines.some((l) => l.msg === 'folding from position 0')).toBe(false);

    expect(await api.head()).toBe(head);
    expect(await served(api, objects)).toEqual(before);
    const again = await api.post('/projects', { project: { fq_name: ['default-domain', 'ckpt-keyed'] } }, { headers: { 'Idempotency-Key': 'ckpt-key' } });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.project.uuid).toBe(keyed);
    expect(await api.head()).toBe(head);

    const verify = await api.post('/audit/verify', {});
    expect(verify.body).toMatchObject({ ok: true, position: head });
    expect(await projectionGauges(api)).toEqual({
      'projection_position{projection="config"}': head,
      'projection_lag_events{projection="config"}': 0,
      'projection_lag_seconds{projection="config"}': 0,
      'projection_checkpoint_position{projection="config"}': head,
      // The per-cluster desired state is derived from the config state: same position, same checkpoint.
      'projection_position{projection="desired-state"}': head,
      'projection_lag_events{projection="desired-state"}': 0,
      'projection_lag_seconds{projection="desired-state"}': 0,
      'projection_checkpoint_position{projection="desired-state"}': head,
    });
  });

  it('after a crash (SIGKILL: no save on the way out) resumes from the last checkpoint and folds the tail', async () => {
    // Checkpoints far apart, so that what follows is only in the log.
    expect(await controller.stop()).toEqual({ code: 0, signal: null });
    controller = await RunningController.start(dir.path, { CHECKPOINT_EVERY: '1000' });
    api = controller.api;
    for (let i = 0; i < 3; i++) {
      const sg = await api.create('security-group', { fq_name: [...PROJECT, `ckpt-sg-${i}`] });
      objects.push({ type: 'security-group', uuid: sg.uuid });
    }
    await api.put(`/virtual-network/${objects[0]!.uuid}`, { 'virtual-network': { display_name: 'after the checkpoint' } });
    const before = await served(api, objects);
    const head = await api.head();
    const checkpointed = checkpointFilePosition(dir.path);
    expect(checkpointed).toBeLessThan(head);
    controller.process.kill('SIGKILL');
    await controller.process.exited;

    controller = await RunningController.start(dir.path, env);
    api = controller.api;
    const resumed = controller.process.lines.find((l) => l.msg === 'resumed from checkpoint');
    expect(resumed).toMatchObject({ position: checkpointed, head, tail: head - checkpointed });
    expect(await served(api, objects)).toEqual(before);
    expect((await api.post('/audit/verify', {})).body).toMatchObject({ ok: true, position: head });
  });

  it('ignores a corrupt checkpoint with the reason, folds from position 0 and serves the same objects', async () => {
    const before = await served(api, objects);
    expect(await controller.stop()).toEqual({ code: 0, signal: null });
    const file = join(dir.path, 'checkpoints', 'config.checkpoint');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));

    controller = await RunningController.start(dir.path, env);
    api = controller.api;
    const ignored = controller.process.lines.find((l) => l.msg === 'checkpoint ignored');
    expect(ignored).toMatchObject({ level: 'warn', projection: 'config', reason: expect.stringContaining('torn write') });
    expect(controller.process.lines.some((l) => l.msg === 'folding from position 0')).toBe(true);
    expect(await served(api, objects)).toEqual(before);
  });

  it('refuses a bad CHECKPOINT_EVERY at start with exit 2 and a clear message', async () => {
    const bad = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: dir.path, CHECKPOINT_EVERY: 'often' });
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr).toContain('CHECKPOINT_EVERY="often" is not allowed: expected an integer from 0 to 100000000');
  });
});
