import { agentProto } from '#libs/proto';
import type { RouteEntry, RoutePath } from '#libs/routing';
import type { SessionMessage } from '../control-plane/session-messages.js';
import { toControlMessage } from './agent-wire.js';

/**
 * ControlMessage bytes for the wire, with route updates encoded once for every agent they go to. When many agents
 * subscribe to one VRF, each change is sent to all of them: the RouteUpdate bytes of a (VRF, prefix, best paths) are
 * kept beside the routing tables' best-path array (which the tables replace, never edit, when it changes), so the
 * next agent's message reuses them and only the framing is written per message. The bytes are exactly what the
 * generated encoder writes (field order: version, then the routes body), so any protobuf client reads them.
 */
const encodedUpdates = new WeakMap<readonly RoutePath[], Array<{ vrf: string; prefix: string; bytes: Uint8Array }>>();

/** Wire tags: ControlMessage.version (1, varint), ControlMessage.routes (4, message), RouteBatch.updates (1, message). */
const VERSION_TAG = 0x08;
const ROUTES_TAG = 0x22;
const UPDATES_TAG = 0x0a;

export function encodeSessionMessage(message: SessionMessage): Buffer {
  if (message.kind !== 'routes') return Buffer.from(agentProto.ControlMessage.encode(toControlMessage(message)).finish());
  const parts: Uint8Array[] = [];
  let batchLength = 0;
  for (const update of message.updates) {
    const bytes = updateBytes(update);
    parts.push(bytes);
    batchLength += 1 + varintLength(bytes.length) + bytes.length;
  }
  const headLength = (message.version === 0 ? 0 : 1 + varintLength(message.version)) + 1 + varintLength(batchLength);
  const out = Buffer.allocUnsafe(headLength + batchLength);
  let at = 0;
  if (message.version !== 0) {
    out[at++] = VERSION_TAG;
    at = writeVarint(out, at, message.version);
  }
  out[at++] = ROUTES_TAG;
  at = writeVarint(out, at, batchLength);
  for (const bytes of parts) {
    out[at++] = UPDATES_TAG;
    at = writeVarint(out, at, bytes.length);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

function updateBytes(update: RouteEntry): Uint8Array {
  const { vrf, prefix, paths } = update;
  // A withdraw has no paths to hang the bytes on: it is two strings, written directly.
  if (paths.length === 0) return withdrawBytes(vrf, prefix);
  let known = encodedUpdates.get(paths);
  const hit = known?.find((k) => k.prefix === prefix && k.vrf === vrf);
  if (hit) return hit.bytes;
  const bytes = agentProto.RouteUpdate.encode(update).finish();
  if (!known) encodedUpdates.set(paths, (known = []));
  known.push({ vrf, prefix, bytes });
  return bytes;
}

/** RouteUpdate{vrf: 1, prefix: 2} as the generated encoder writes it (an empty string is left out). */
function withdrawBytes(vrf: string, prefix: string): Uint8Array {
  const vrfLength = Buffer.byteLength(vrf);
  const prefixLength = Buffer.byteLength(prefix);
  const size = (vrfLength ? 1 + varintLength(vrfLength) + vrfLength : 0) + (prefixLength ? 1 + varintLength(prefixLength) + prefixLength : 0);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  if (vrfLength) {
    out[at++] = 0x0a;
    at = writeVarint(out, at, vrfLength);
    at += out.write(vrf, at);
  }
  if (prefixLength) {
    out[at++] = 0x12;
    at = writeVarint(out, at, prefixLength);
    out.write(prefix, at);
  }
  return out;
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    length += 1;
  }
  return length;
}

/** Unsigned LEB128 for integers up to 2^53 (versions and lengths). */
function writeVarint(out: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}
