/**
 * The smallest MessagePack encoder the Lua scripts need: one flat array of strings and numbers, decoded in Redis by `cmsgpack.unpack` (built into Redis's Lua). Sending a whole slot
 * group's VIN updates as ONE argument instead of ~4 per VIN is what makes the batch cheap: ioredis
 * builds and writes one buffer per argument, and Redis parses each one.
 */
export type PackItem = string | number;

const utf8Len = (s: string): number => {
  // ASCII fast path (VINs, packed states and tags almost always are).
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
};

export function packArray(items: readonly PackItem[]): Buffer {
  let size = 5;
  const lens = new Array<number>(items.length);
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (typeof it === 'number') {
      size += 9;
    } else {
      const n = utf8Len(it);
      lens[i] = n;
      size += 5 + n;
    }
  }
  const buf = Buffer.allocUnsafe(size);
  let o = 0;
  const n = items.length;
  if (n < 16) buf[o++] = 0x90 | n;
  else if (n < 0x10000) {
    buf[o++] = 0xdc;
    buf.writeUInt16BE(n, o);
    o += 2;
  } else {
    buf[o++] = 0xdd;
    buf.writeUInt32BE(n, o);
    o += 4;
  }
  for (let i = 0; i < n; i++) {
    const it = items[i]!;
    if (typeof it === 'number') {
      if (!Number.isInteger(it) || it < -0x80000000 || it > 0xffffffff) {
        buf[o++] = 0xcb; // float64: Lua numbers are doubles anyway
        buf.writeDoubleBE(it, o);
        o += 8;
      } else if (it < 0) {
        buf[o++] = 0xd2;
        buf.writeInt32BE(it, o);
        o += 4;
      } else if (it < 0x80) buf[o++] = it;
      else if (it < 0x10000) {
        buf[o++] = 0xcd;
        buf.writeUInt16BE(it, o);
        o += 2;
      } else {
        buf[o++] = 0xce;
        buf.writeUInt32BE(it, o);
        o += 4;
      }
      continue;
    }
    const len = lens[i]!;
    if (len < 32) buf[o++] = 0xa0 | len;
    else if (len < 0x100) {
      buf[o++] = 0xd9;
      buf[o++] = len;
    } else if (len < 0x10000) {
      buf[o++] = 0xda;
      buf.writeUInt16BE(len, o);
      o += 2;
    } else {
      buf[o++] = 0xdb;
      buf.writeUInt32BE(len, o);
      o += 4;
    }
    if (len === it.length) o += buf.write(it, o, len, 'latin1');
    else o += buf.write(it, o, len, 'utf8');
  }
  return buf.subarray(0, o);
}
