import { randomFillSync } from 'node:crypto';

// Random bytes are drawn in blocks: one syscall per 256 ids instead of one per id.
const POOL_IDS = 256;
const pool = Buffer.alloc(16 * POOL_IDS);
let poolOffset = pool.length;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** RFC 9562 UUID version 7: 48-bit Unix milliseconds, then random bits. Sorts by creation time. */
export function uuidv7(now: number = Date.now()): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const o = poolOffset;
  poolOffset += 16;
  const hi = Math.floor(now / 0x1000000);
  const lo = now % 0x1000000;
  const h = (i: number) => HEX[pool[o + i]];
  const t = (x: number, shift: number) => HEX[(x >>> shift) & 0xff];
  return (
    t(hi, 16) + t(hi, 8) + t(hi, 0) + t(lo, 16) + '-' + t(lo, 8) + t(lo, 0) + '-' +
    HEX[0x70 | (pool[o + 6] & 0x0f)] + h(7) + '-' + HEX[0x80 | (pool[o + 8] & 0x3f)] + h(9) + '-' +
    h(10) + h(11) + h(12) + h(13) + h(14) + h(15)
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
