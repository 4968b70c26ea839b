import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigState } from '#libs/domain';
import type { EventStore } from '#libs/event-store';
import { ConfigLogWriter, PROJECT, observed, seed, someHistory, tempDir } from '../test/config-log-writer.js';
import { FileCheckpointStore } from './checkpoint/file-checkpoint-store.js';
import { MemoryCheckpointStore } from './checkpoint/memory-checkpoint-store.js';
import type { Checkpoint, CheckpointStore } from './checkpoint/checkpoint-store.port.js';
import { ConfigProjection, type ConfigProjectionOptions } from './config-projection.js';
import { foldRange } from './fold-range.js';

const dir = tempDir('projection-checkpoints-');
afterAll(() => dir.remove());

let n = 0;
const stores: EventStore[] = [];
const projections: ConfigProjection[] = [];
afterEach(async () => {
  for (const p of projections.splice(0)) await p.stop();
  for (const s of stores.splice(0)) await s.close();
});

function newStore(): EventStore {
  const store = dir.store(`log-${n++}`);
  stores.push(store);
  return store;
}

interface Logged {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

function projectionOver(store: EventStore, options: ConfigProjectionOptions = {}): { projection: ConfigProjection; logged: Logged[] } {
  const logged: Logged[] = [];
  const projection = new ConfigProjection(store, { log: (level, msg, fields) => logged.push({ level, msg, fields }), ...options });
  projections.push(projection);
  return { projection, logged };
}

/** The fold of the whole log from position 0, without any checkpoint. */
async function foldFromZero(store: EventStore): Promise<ConfigState> {
  const state = new ConfigState();
  await foldRange(store, state, 0, await store.headPosition());
  return state;
}

/** Writes a history, folds it with checkpoints into `checkpoints`, and stops (which saves). */
async function checkpointedLog(checkpoints: CheckpointStore, store = newStore()) {
  const writer = new ConfigLogWriter(store);
  await seed(writer);
  const keyed = await writer.create('virtual-network', { fq_name: [...PROJECT, 'keyed'] }, 'idempotency-key-1');
  const { network } = await someHistory(writer, 'before');
  const first = projectionOver(store, { checkpoints, checkpointEvery: 5 });
  await first.projection.start();
  await first.projection.stop();
  return { store, writer, keyed, network, saved: first.projection.position };
}

describe('ConfigProjection checkpoints', () => {
  it('resumes from the checkpoint and folds only the tail: the same state as a fold from position 0', async () => {
    const checkpoints = new FileCheckpointStore(join(dir.path, `files-${n++}`));
    const { store, writer, network, saved } = await checkpointedLog(checkpoints);
    expect((await checkpoints.load('config'))?.position).toBe(saved);
    // The tail: changes to objects the checkpoint holds, and new ones.
    await writer.update('virtual-network', network, { display_name: 'after the checkpoint' });
    await someHistory(writer, 'after');
    const head = await store.headPosition();

    const second = projectionOver(store, { checkpoints });
    await second.projection.start();
    expect(second.logged).toContainEqual({
      level: 'info',
      msg: 'resumed from checkpoint',
      fields: expect.objectContaining({ projection: 'config', position: saved, head, tail: head - saved }),
    });
    expect(second.projection.position).toBe(head);
    expect(second.projection.checkpointPosition).toBe(saved);
    expect(observed(second.projection.state)).toEqual(observed(await foldFromZero(store)));
    const rebuilt = await second.projection.rebuildDigest();
    expect(rebuilt).toEqual({ position: head, live: rebuilt.rebuilt, rebuilt: expect.stringMatching(/^[0-9a-f]{64}$/), equal: true });

    // And it follows the log live from there.
    const live = await writer.create('virtual-network', { fq_name: [...PROJECT, 'live'] });
    await second.projection.waitFor(live.position);
    expect(observed(second.projection.state)).toEqual(observed(await foldFromZero(store)));
  });

  it('keeps the Idempotency-Key records across a restart from the checkpoint', async () => {
    const checkpoints = new MemoryCheckpointStore();
    const { store, keyed } = await checkpointedLog(checkpoints);
    const { projection } = projectionOver(store, { checkpoints });
    await projection.start();
    expect(projection.commandRecord('idempotency-key-1')).toEqual({ commandId: 'idempotency-key-1', type: 'virtual-network', uuid: keyed.uuid, position: keyed.position, at: expect.any(Number) });
  });

  it('saves a checkpoint every checkpointEvery events while following, one save at a time, off the fold', async () => {
    let inFlight = 0;
    let most = 0;
    const positions: number[] = [];
    const memory = new MemoryCheckpointStore();
    const slow: CheckpointStore = {
      load: (name) => memory.load(name),
      async save(name, checkpoint) {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        await memory.save(name, checkpoint);
        positions.push(checkpoint.position);
        inFlight--;
      },
    };
    const store = newStore();
    const writer = new ConfigLogWriter(store);
    const { projection } = projectionOver(store, { checkpoints: slow, checkpointEvery: 3 });
    await projection.start();
    expect(projection.checkpointPosition).toBe(0);
    await seed(writer);
    for (let i = 0; i < 10; i++) await writer.create('virtual-network', { fq_name: [...PROJECT, `vn-${i}`] });
    await projection.waitFor(writer.state.position);
    // Saves take 20 ms; the fold did not wait for them.
    expect(positions.length).toBeLessThan(15);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(positions.length).toBeGreaterThan(0);
    expect(most).toBe(1);
    expect(projection.checkpointPosition).toBe(positions.at(-1));
    // Each checkpoint is the state at its position.
    const saved = (await memory.load('config'))!;
    const state = ConfigState.fromSnapshot(saved.state);
    const fold = new ConfigState();
    await foldRange(store, fold, 0, saved.position);
    expect(state.digest()).toBe(fold.digest());
    expect(saved.digest).toBe(fold.digest());
    const [event] = await store.readAll({ after: saved.position - 1, limit: 1 });
    expect(saved.eventId).toBe(event.eventId);
  });

  it('keeps folding changes to objects a checkpoint shares with the live state (they are copied, not changed in place)', async () => {
    const checkpoints = new MemoryCheckpointStore();
    const store = newStore();
    const writer = new ConfigLogWriter(store);
    await seed(writer);
    const vn = await writer.create('virtual-network', { fq_name: [...PROJECT, 'shared'] });
    const { projection } = projectionOver(store, { checkpoints, checkpointEvery: 1 });
    await projection.start();
    for (let i = 0; i < 5; i++) {
      const { position } = await writer.update('virtual-network', vn.uuid, { display_name: `take ${i}` });
      await projection.waitFor(position);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(projection.state.get(vn.uuid)?.props.display_name).toBe('take 4');
    expect(observed(projection.state)).toEqual(observed(await foldFromZero(store)));
    expect((await projection.rebuildDigest()).equal).toBe(true);
    // Every checkpoint saved kept the state of its own position.
    const saved = (await checkpoints.load('config'))!;
    const fold = new ConfigState();
    await foldRange(store, fold, 0, saved.position);
    expect(saved.digest).toBe(fold.digest());
    expect(checkpoints.saves.get('config')).toBeGreaterThan(1);
  });

  describe('ignores a checkpoint it cannot trust, says why, and folds from position 0', () => {
    async function ignoredWith(checkpoints: CheckpointStore, store: EventStore): Promise<string> {
      const { projection, logged } = projectionOver(store, { checkpoints });
      await projection.start();
      expect(observed(projection.state)).toEqual(observed(await foldFromZero(store)));
      expect(logged).toContainEqual({ level: 'info', msg: 'folding from position 0', fields: expect.anything() });
      const line = logged.find((l) => l.msg === 'checkpoint ignored');
      expect(line).toBeDefined();
      return line!.fields.reason as string;
    }

    it('a checkpoint of another log (another event at its position)', async () => {
      const checkpoints = new MemoryCheckpointStore();
      const { saved } = await checkpointedLog(checkpoints);
      // Another log, as long or longer, with other events.
      const other = newStore();
      const writer = new ConfigLogWriter(other);
      await seed(writer);
      while (writer.state.position < saved) await writer.create('network-policy', { fq_name: [...PROJECT, `np-${writer.state.position}`], network_policy_entries: { policy_rule: [] } });
      expect(await ignoredWith(checkpoints, other)).toMatch(new RegExp(`the event at position ${saved} is .*, the checkpoint names .*: a different or rewritten log`));
    });

    it('a checkpoint beyond the end of the log (a log wiped and started again)', async () => {
      const checkpoints = new MemoryCheckpointStore();
      const { saved } = await checkpointedLog(checkpoints);
      const shorter = newStore();
      await seed(new ConfigLogWriter(shorter));
      expect(await ignoredWith(checkpoints, shorter)).toBe(`the log has no event at position ${saved} (head ${await shorter.headPosition()}): not the log it was taken from`);
    });

    it('a checkpoint whose state does not have the digest it was saved with', async () => {
      const checkpoints = new MemoryCheckpointStore();
      const { store, network } = await checkpointedLog(checkpoints);
      const tampered = JSON.parse(checkpoints.raw('config')!) as Checkpoint;
      const object = tampered.state.objects.find((o) => o.uuid === network)!;
      object.props.display_name = 'edited by hand';
      checkpoints.setRaw('config', JSON.stringify(tampered));
      expect(await ignoredWith(checkpoints, store)).toMatch(/its state's digest is [0-9a-f]{64}, not the [0-9a-f]{64} it was saved with/);
    });

    it('a state that cannot be read', async () => {
      const checkpoints = new MemoryCheckpointStore();
      const { store } = await checkpointedLog(checkpoints);
      const broken = JSON.parse(checkpoints.raw('config')!) as Checkpoint;
      (broken.state as unknown as { format: number }).format = 99;
      checkpoints.setRaw('config', JSON.stringify(broken));
      expect(await ignoredWith(checkpoints, store)).toContain('unknown config state snapshot format 99');
    });

    it('a corrupt checkpoint file', async () => {
      const checkpoints = new FileCheckpointStore(join(dir.path, `files-${n++}`));
      const { store } = await checkpointedLog(checkpoints);
      writeFileSync(checkpoints.path('config'), 'not a checkpoint');
      expect(await ignoredWith(checkpoints, store)).toContain('no header line');
    });
  });

  it('tells observers that came before start everything the checkpoint brought, as one run', async () => {
    const checkpoints = new MemoryCheckpointStore();
    const { store, saved } = await checkpointedLog(checkpoints);
    const { projection } = projectionOver(store, { checkpoints });
    const runs: Array<{ position: number; touched: string[] }> = [];
    projection.observe({ settled: (position, touched) => runs.push({ position, touched: [...touched].sort() }) });
    await projection.start();
    expect(runs[0]).toEqual({ position: saved, touched: [...projection.state.all()].map((o) => o.uuid).sort() });
  });

  it('saves nothing on stop when nothing was folded since the checkpoint', async () => {
    const checkpoints = new MemoryCheckpointStore();
    const { store } = await checkpointedLog(checkpoints);
    const before = checkpoints.saves.get('config');
    const { projection } = projectionOver(store, { checkpoints });
    await projection.start();
    await projection.stop();
    expect(checkpoints.saves.get('config')).toBe(before);
  });

  it('reports a save that fails and goes on folding', async () => {
    const failing: CheckpointStore = {
      load: async () => undefined,
      save: async () => {
        throw new Error('disk full');
      },
    };
    const store = newStore();
    const writer = new ConfigLogWriter(store);
    await seed(writer);
    const { projection, logged } = projectionOver(store, { checkpoints: failing, checkpointEvery: 1 });
    await projection.start();
    const vn = await writer.create('virtual-network', { fq_name: [...PROJECT, 'still'] });
    await projection.waitFor(vn.position);
    await projection.stop();
    expect(projection.checkpointPosition).toBe(0);
    expect(logged).toContainEqual({ level: 'warn', msg: 'checkpoint not saved', fields: expect.objectContaining({ err: new Error('disk full') }) });
    expect(projection.state.get(vn.uuid)).toBeDefined();
  });
});
