import { describe, expect, it } from '@jest/globals';
import type { CommandContext } from './command-context.js';
import { ConfigError } from './config-error.js';
import { ConfigState } from './config-state.js';
import { decideCreate, decideUpdate } from './decide.js';
import { CONFIG_MODEL } from './registry-schema.js';

// Found by the fuzzer (test/fuzz): a PUT whose body nests a value 100000 levels deep made the echo check's
// JSON.stringify overflow the stack, a 500. The decider must refuse (or hand the log, which refuses bodies nested
// deeper than 64 levels) instead of throwing a RangeError.

const ctx: CommandContext = { at: '2026-11-26T12:00:00.000Z', newUuid: () => '00000000-0000-4000-8000-000000000001' };

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

function stateWithDomain(): { state: ConfigState; uuid: string } {
  const state = new ConfigState();
  const decision = decideCreate(state, CONFIG_MODEL, 'domain', { fq_name: ['deep'], domain_limits: { project_limit: 5 } }, ctx);
  let position = 0;
  for (const write of decision.writes) {
    write.events.forEach((event, revision) => state.apply({ type: event.type, streamId: write.streamId, streamRevision: revision, globalPosition: ++position, data: event.data }));
  }
  return { state, uuid: decision.uuid };
}

describe('an update with a value nested 100000 levels deep', () => {
  it.each([
    ['a stored opaque property', { domain_limits: nested(100_000) }],
    ['a checked property', { display_name: nested(100_000) }],
    ['an unknown property', { no_such_property: nested(100_000) }],
  ])('in %s: no RangeError', (_what, body) => {
    const { state, uuid } = stateWithDomain();
    let outcome: unknown;
    try {
      outcome = decideUpdate(state, CONFIG_MODEL, 'domain', uuid, body as Record<string, unknown>, ctx);
    } catch (error) {
      outcome = error;
    }
    expect(outcome).not.toBeInstanceOf(RangeError);
    if (outcome instanceof Error) expect(outcome).toBeInstanceOf(ConfigError);
  });
});
