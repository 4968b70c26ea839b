import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigState } from '#libs/domain';
import { tempDir } from '../../test/config-log-writer.js';
import { CheckpointUnusableError, type Checkpoint } from './checkpoint-store.port.js';
import { FileCheckpointStore } from './file-checkpoint-store.js';
import { MemoryCheckpointStore } from './memory-checkpoint-store.js';

const dir = tempDir('checkpoint-files-');
afterAll(() => dir.remove());
let n = 0;
const freshDir = () => join(dir.path, `case-${n++}`);

function checkpoint(position: number, extra: Partial<Checkpoint> = {}): Checkpoint {
  const state = new ConfigState();
  return { position, eventId: `event-${position}`, digest: state.digest(), savedAt: '2026-11-26T10:00:00.000Z', state: state.snapshot(), commands: [], ...extra };
}

/** The reason load refused the checkpoint with. */
async function refusal(store: FileCheckpointStore, name = 'config'): Promise<string> {
  const error = await store.load(name).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointUnusableError);
  return (error as CheckpointUnusableError).reason;
}

describe('FileCheckpointStore', () => {
  it('creates its folder on the first save and loads what it saved', async () => {
    const store = new FileCheckpointStore(join(freshDir(), 'nested', 'checkpoints'));
    expect(await store.load('config')).toBeUndefined();
    const saved = checkpoint(7, { commands: [{ commandId: 'k', type: 'project', uuid: 'u', position: 7, at: Date.parse('2026-11-26T12:00:00Z') }] });
    await store.save('config', saved);
    expect(await store.load('config')).toEqual(saved);
  });

  it('replaces the checkpoint whole through a temporary file, leaving nothing else behind', async () => {
    const path = freshDir();
    const store = new FileCheckpointStore(path);
    await store.save('config', checkpoint(1));
    await store.save('config', checkpoint(2));
    await store.save('desired-state', checkpoint(3));
    expect(readdirSync(path).sort()).toEqual(['config.checkpoint', 'desired-state.checkpoint']);
    expect((await store.load('config'))?.position).toBe(2);
    expect((await store.load('desired-state'))?.position).toBe(3);
  });

  it('ignores and removes the temporary file a crash mid-save left behind; the old checkpoint stands', async () => {
    const path = freshDir();
    const store = new FileCheckpointStore(path);
    await store.save('config', checkpoint(5));
    writeFileSync(join(path, '.config.checkpoint.999.abc.tmp'), '{"format":"contrail-checkpoint","ver');
    expect((await store.load('config'))?.position).toBe(5);
    expect(readdirSync(path)).toEqual(['config.checkpoint']);
  });

  describe('refuses, with the reason, a file that cannot be trusted', () => {
    async function saved(): Promise<{ store: FileCheckpointStore; file: string; text: string }> {
      const store = new FileCheckpointStore(freshDir());
      await store.save('config', checkpoint(4));
      const file = store.path('config');
      return { store, file, text: readFileSync(file, 'utf8') };
    }

    it('torn (cut short)', async () => {
      const { store, file, text } = await saved();
      writeFileSync(file, text.slice(0, text.length - 10));
      expect(await refusal(store)).toMatch(/its body has \d+ bytes, its header says \d+/);
    });

    it('empty', async () => {
      const { store, file } = await saved();
      writeFileSync(file, '');
      expect(await refusal(store)).toContain('no header line');
    });

    it('altered (same length, one byte changed)', async () => {
      const { store, file, text } = await saved();
      writeFileSync(file, text.replace('"position":4,"eventId"', '"position":5,"eventId"'));
      expect(await refusal(store)).toContain('does not match the sha256');
    });

    it('not a checkpoint file at all', async () => {
      const { store, file } = await saved();
      writeFileSync(file, 'hello\nworld');
      expect(await refusal(store)).toContain('header line is not JSON');
    });

    it("another projection's checkpoint under this name", async () => {
      const store = new FileCheckpointStore(freshDir());
      await store.save('desired-state', checkpoint(4));
      writeFileSync(store.path('config'), readFileSync(store.path('desired-state')));
      expect(await refusal(store)).toContain('it is the checkpoint of "desired-state", not of "config"');
    });

    it('a body that is no checkpoint, even with a good checksum', async () => {
      const { store, file } = await saved();
      const body = JSON.stringify({ position: 'four' });
      const { createHash } = await import('node:crypto');
      const header = { format: 'contrail-checkpoint', version: 2, name: 'config', position: 4, bytes: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex') };
      writeFileSync(file, `${JSON.stringify(header)}\n${body}`);
      expect(await refusal(store)).toContain('position "four" is not a log position');
    });

    it('one of the previous version (written before closed streams were left out of the state)', async () => {
      const { store, file } = await saved();
      const [header, body] = readFileSync(file, 'utf8').split('\n');
      writeFileSync(file, `${JSON.stringify({ ...JSON.parse(header!), version: 1 })}\n${body}`);
      expect(await refusal(store)).toContain('it is not a contrail-checkpoint file of version 2');
    });

    it('unreadable (a folder where the file should be)', async () => {
      const store = new FileCheckpointStore(freshDir());
      mkdirSync(store.path('config'), { recursive: true });
      expect(await refusal(store)).toContain('cannot be read');
    });
  });

  it('refuses names that are not plain file names', async () => {
    const store = new FileCheckpointStore(freshDir());
    await expect(store.save('../escape', checkpoint(1))).rejects.toThrow(RangeError);
    await expect(store.load('')).rejects.toThrow(RangeError);
  });
});

describe('MemoryCheckpointStore', () => {
  it('hands back a copy of what it saved, and refuses text that is not a checkpoint', async () => {
    const store = new MemoryCheckpointStore();
    const saved = checkpoint(3);
    await store.save('config', saved);
    const loaded = await store.load('config');
    expect(loaded).toEqual(saved);
    expect(loaded).not.toBe(saved);
    store.setRaw('config', '{');
    await expect(store.load('config')).rejects.toThrow(CheckpointUnusableError);
  });
});
