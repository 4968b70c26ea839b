import { describe, expect, it } from '@jest/globals';
import { CommandRecords, commandRecordOf, isCommandRecord, type CommandRecord } from './command-record.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-26T12:00:00.000Z');
const record = (n: number, at: number): CommandRecord => ({ commandId: `key-${n}`, type: 'virtual-network', uuid: `uuid-${n}`, position: n, at });

describe('CommandRecords', () => {
  it('forgets a command id once the log has moved on past the window, on the log’s clock', () => {
    const records = new CommandRecords({ windowMs: 10 * MINUTE, maxRecords: 1000 });
    records.add(record(1, T0));
    records.add(record(2, T0 + 5 * MINUTE));
    expect(records.get('key-1')?.uuid).toBe('uuid-1');
    records.add(record(3, T0 + 10 * MINUTE));
    expect(records.get('key-1')).toBeDefined(); // exactly the window old: still inside
    records.add(record(4, T0 + 10 * MINUTE + 1));
    expect(records.get('key-1')).toBeUndefined();
    expect(records.all().map((r) => r.commandId)).toEqual(['key-2', 'key-3', 'key-4']);
  });

  it('keeps at most maxRecords, the newest, whatever their age', () => {
    const records = new CommandRecords({ windowMs: 60 * MINUTE, maxRecords: 3 });
    for (let n = 1; n <= 10; n++) records.add(record(n, T0 + n));
    expect(records.size).toBe(3);
    expect(records.all().map((r) => r.commandId)).toEqual(['key-8', 'key-9', 'key-10']);
  });

  it('a later event of the same command updates its record but keeps its place and time', () => {
    const records = new CommandRecords({ windowMs: 10 * MINUTE, maxRecords: 10 });
    records.add(record(1, T0));
    records.add(record(2, T0 + MINUTE));
    records.add({ ...record(1, T0 + 2 * MINUTE), position: 7 });
    expect(records.all().map((r) => [r.commandId, r.position, r.at])).toEqual([
      ['key-1', 7, T0],
      ['key-2', 2, T0 + MINUTE],
    ]);
  });

  it('restores from a checkpoint, keeping what the window holds as of the checkpoint’s event', () => {
    const records = new CommandRecords({ windowMs: 10 * MINUTE, maxRecords: 10 });
    records.add(record(9, T0));
    records.restore([record(1, T0 - 20 * MINUTE), record(2, T0 - 10 * MINUTE), record(3, T0 - MINUTE)], T0);
    expect(records.all().map((r) => r.commandId)).toEqual(['key-2', 'key-3']);
  });

  it('a window of 0 records remembers nothing; a bad window is refused', () => {
    const none = new CommandRecords({ windowMs: 0, maxRecords: 0 });
    none.add(record(1, T0));
    expect(none.size).toBe(0);
    expect(() => new CommandRecords({ windowMs: -1, maxRecords: 1 })).toThrow(/windowMs >= 0/);
    expect(() => new CommandRecords({ windowMs: 1, maxRecords: 1.5 })).toThrow(/integer maxRecords/);
  });
});

describe('commandRecordOf and isCommandRecord', () => {
  it('reads a keyed resource event, with its time', () => {
    const event = {
      streamId: 'virtual-network-u1',
      globalPosition: 12,
      recordedAt: '2026-11-26T12:00:00.000Z',
      data: { type: 'virtual-network', uuid: 'u1' },
      metadata: { commandId: 'k' },
    };
    expect(commandRecordOf(event)).toEqual({ commandId: 'k', type: 'virtual-network', uuid: 'u1', position: 12, at: T0 });
    expect(commandRecordOf({ ...event, metadata: {} })).toBeUndefined();
    expect(commandRecordOf({ ...event, streamId: 'fqname-virtual-network-a:b' })).toBeUndefined();
  });

  it('accepts a record with its time, and nothing else', () => {
    expect(isCommandRecord({ commandId: 'k', type: 't', uuid: 'u', position: 1, at: T0 })).toBe(true);
    expect(isCommandRecord({ commandId: 'k', type: 't', uuid: 'u', position: 1 })).toBe(false);
    expect(isCommandRecord({ commandId: 'k', type: 't', uuid: 'u', position: 1, at: 'noon' })).toBe(false);
    expect(isCommandRecord({ commandId: 'k', type: 't', uuid: 'u', position: 1.5, at: T0 })).toBe(false);
  });
});
