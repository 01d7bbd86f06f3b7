import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPartitionLocks } from '../src/mutex.js';
import { packArray, type PackItem } from '../src/msgpack.js';

/** Reference decoder for the subset packArray writes (what Redis's cmsgpack.unpack sees). */
function unpackArray(buf: Buffer): PackItem[] {
  let o = 0;
  const u = (bytes: 1 | 2 | 4): number => {
    const v = buf.readUIntBE(o, bytes);
    o += bytes;
    return v;
  };
  const head = u(1);
  const n = (head & 0xf0) === 0x90 ? head & 0x0f : head === 0xdc ? u(2) : head === 0xdd ? u(4) : -1;
  assert.ok(n >= 0, `not an array: ${head}`);
  const out: PackItem[] = [];
  const str = (len: number): string => {
    o += len;
    return buf.toString('utf8', o - len, o);
  };
  for (let i = 0; i < n; i++) {
    const t = u(1);
    if (t < 0x80) out.push(t);
    else if ((t & 0xe0) === 0xa0) out.push(str(t & 0x1f));
    else if (t === 0xd9) out.push(str(u(1)));
    else if (t === 0xda) out.push(str(u(2)));
    else if (t === 0xdb) out.push(str(u(4)));
    else if (t === 0xcd) out.push(u(2));
    else if (t === 0xce) out.push(u(4));
    else if (t === 0xd2) {
      out.push(buf.readInt32BE(o));
      o += 4;
    } else if (t === 0xcb) {
      out.push(buf.readDoubleBE(o));
      o += 8;
    } else assert.fail(`unexpected type byte ${t}`);
  }
  assert.equal(o, buf.length, 'no trailing bytes');
  return out;
}

test('packArray round-trips strings of every length class, unicode and numbers of every range', () => {
  const items: PackItem[] = [0, 127, 128, 65535, 65536, 2 ** 32 - 1, -1, -70_000, 1.5, 2 ** 40];
  for (const len of [0, 1, 31, 32, 255, 256, 65535, 65536]) items.push('x'.repeat(len));
  items.push('héllo;%,\n€', 'LGXBENCH012345678');
  assert.deepEqual(unpackArray(packArray(items)), items);
  const many = Array.from({ length: 70_000 }, (_, i) => (i % 2 ? `v${i}` : i));
  assert.deepEqual(unpackArray(packArray(many)), many);
  assert.deepEqual(unpackArray(packArray([])), []);
});

const tick = () => new Promise((r) => setImmediate(r));

test('partition locks: same partition in order, different partitions concurrently, withAll exclusive', async () => {
  const locks = createPartitionLocks();
  const log: string[] = [];
  let release0!: () => void;
  const a = locks.withPartition(0, async () => {
    log.push('a start');
    await new Promise<void>((r) => (release0 = r));
    log.push('a end');
  });
  const b = locks.withPartition(0, async () => void log.push('b'));
  const c = locks.withPartition(1, async () => void log.push('c'));
  await tick();
  await tick();
  assert.deepEqual(log, ['a start', 'c'], 'partition 1 runs while partition 0 is busy; b waits for a');
  const all = locks.withAll(async () => void log.push('sweep'));
  const d = locks.withPartition(1, async () => void log.push('d'));
  await tick();
  await tick();
  assert.deepEqual(log, ['a start', 'c'], 'the exclusive section waits for a; d waits for it');
  release0();
  await Promise.all([a, b, c, all, d]);
  assert.deepEqual(log, ['a start', 'c', 'a end', 'b', 'sweep', 'd']);
});

test('partition locks: a failed section does not block the next ones', async () => {
  const locks = createPartitionLocks();
  await assert.rejects(
    locks.withPartition(2, async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  await assert.rejects(
    locks.withAll(async () => {
      throw new Error('sweep failed');
    }),
    /sweep failed/,
  );
  assert.equal(await locks.withPartition(2, async () => 'ok'), 'ok');
  assert.equal(await locks.withAll(async () => 'ok'), 'ok');
});
