import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BucketFormatError,
  countInBlob,
  formatBucket,
  parseBucket,
  encodeBucketWrite,
} from '../src/bucket-blob.js';
import { dayKey, registrantTag, VELOCITY_KEY_CHARS } from '../src/keys.js';
import { StateCache } from '../src/state-cache.js';
import { packState, unpackState, type VinState } from '../src/vin-state.js';

const VIN_A = 'LGXCE4CB8S0000001';
const VIN_B = 'LGXCE4CB8S0000002';

test('a bucket round-trips through its blob, with the version in the header', () => {
  const entries = new Map([
    [VIN_A, 'tzijam;;Rmwtlmc6o,CN-GD,91440300MA5DEALER1,7'],
    [VIN_B, 'tzijam;tzi000;Dx,p,1,2,e,3,,RU'],
  ]);
  const blob = formatBucket(7, entries);
  assert.equal(blob.split('\n')[0], '7');
  const back = parseBucket(blob);
  assert.equal(back.version, 7);
  assert.deepEqual([...back.entries], [...entries]);
  assert.deepEqual(parseBucket(null), { version: 0, entries: new Map(), lines: 0 });
});

test('formatBucket applies changes: replace, add, remove; nothing left formats as "" (key deleted)', () => {
  const entries = new Map([
    [VIN_A, 'a;;'],
    [VIN_B, 'b;;'],
  ]);
  const changes = new Map([
    [VIN_A, ''],
    [VIN_B, 'b2;;'],
    ['LGXCE4CB8S0000003', 'c;;'],
  ]);
  const back = parseBucket(formatBucket(2, entries, changes));
  assert.deepEqual(
    [...back.entries],
    [
      [VIN_B, 'b2;;'],
      ['LGXCE4CB8S0000003', 'c;;'],
    ],
  );
  assert.equal(entries.size, 2, 'the cached entries are not touched');
  assert.equal(
    formatBucket(
      3,
      entries,
      new Map([
        [VIN_A, ''],
        [VIN_B, ''],
      ]),
    ),
    '',
  );
});

test('a free-text newline cannot split a bucket entry (escaped in the packed state)', () => {
  const state: VinState = {
    expireAt: 2_000_000_000,
    registration: {
      time: 1_767_225_600_000,
      jurisdiction: 'CN\nGD',
      partyId: 'ACME;\n,%TRADING',
      partyType: 'TRADING_COMPANY',
      condition: 'NEW',
    },
    declarations: [],
  };
  const packed = packState(state, 3600);
  assert.ok(!packed.includes('\n'));
  const back = parseBucket(formatBucket(1, new Map([[VIN_A, packed]])));
  assert.deepEqual(unpackState(back.entries.get(VIN_A)!), state);
});

test('a bucket without a version header, or with a line shorter than a key, is a BucketFormatError', () => {
  assert.throws(() => parseBucket('garbage\nLGXCE4CB8S0000001x;;'), BucketFormatError);
  assert.throws(() => parseBucket('0\nLGXCE4CB8S0000001x;;'), BucketFormatError);
  assert.throws(() => parseBucket('3\nLGXCE4CB8S'), BucketFormatError);
});

test('log-structured lines: a later line for a key replaces the earlier one, a bare key deletes it', () => {
  const blob = `4\n${VIN_A}a1;;\n${VIN_B}b1;;\n${VIN_A}a2;;\n${VIN_B}`;
  const back = parseBucket(blob);
  assert.deepEqual([...back.entries], [[VIN_A, 'a2;;']]);
  assert.equal(back.lines, 4);
});

test('encodeBucketWrite appends what changed, and rewrites once replaced lines pass ~10%', () => {
  const vins = Array.from({ length: 40 }, (_, i) => `LGXCE4CB8S${String(i).padStart(7, '0')}`);
  const bucket = parseBucket(formatBucket(3, new Map(vins.map((v) => [v, 'x;;']))));
  // New VINs only: appended, nothing replaced.
  const NEW = 'LGXCE4CB8S9999999';
  const add = encodeBucketWrite(bucket, new Map([[NEW, 'n;;']]));
  assert.deepEqual(add, { mode: 'append', payload: `\n${NEW}n;;`, lines: 41, live: 41 });
  // A few updates of existing VINs: still appended (replaced lines within 10% + 2).
  const few = encodeBucketWrite(bucket, new Map(vins.slice(0, 5).map((v) => [v, 'u;;'])));
  assert.equal(few.mode, 'append');
  assert.equal(few.lines, 45);
  // Many updates: rewritten whole, with the new version, no replaced lines left.
  const many = encodeBucketWrite(bucket, new Map(vins.slice(0, 10).map((v) => [v, 'u;;'])));
  assert.equal(many.mode, 'replace');
  assert.equal(many.lines, 40);
  assert.ok(many.payload.startsWith('4\n'));
  assert.equal(parseBucket(many.payload).entries.get(vins[0]!), 'u;;');
  // Deleting an absent key changes nothing; a new bucket (version 0) is always written whole.
  assert.equal(encodeBucketWrite(bucket, new Map([['LGXCE4CB8S8888888', '']])).payload, '');
  assert.equal(encodeBucketWrite(parseBucket(null), new Map([[VIN_A, 'n;;']])).mode, 'replace');
  // Applying an appended payload gives what a rewrite gives.
  const appended = parseBucket(`${formatBucket(3, bucket.entries)}${few.payload}`);
  assert.deepEqual(
    [...appended.entries].sort(),
    [
      ...parseBucket(formatBucket(4, bucket.entries, new Map(vins.slice(0, 5).map((v) => [v, 'u;;']))))
        .entries,
    ].sort(),
  );
});

test('velocity entries: 8-character registrant tag + 3-character day, distinct per registrant', () => {
  const tags = new Set<string>();
  for (let i = 0; i < 50_000; i++) {
    const t = registrantTag(`91440300MA5ORG${i}`);
    assert.match(t, /^[A-Za-z0-9_-]{8}$/);
    tags.add(t);
  }
  assert.equal(tags.size, 50_000, 'no collisions among 50,000 registrants');
  assert.equal(registrantTag('IND000000000001'), registrantTag('IND000000000001'));
  assert.equal(dayKey(20_400).length, 3);
  assert.equal(parseInt(dayKey(20_400), 36), 20_400);
  const key = registrantTag('X') + dayKey(20_400);
  assert.equal(key.length, VELOCITY_KEY_CHARS);
  const back = parseBucket(formatBucket(1, new Map([[key, '1f']])), VELOCITY_KEY_CHARS);
  assert.equal(back.entries.get(key), '1f');
});

test('the state cache evicts the least recently used bucket and can be disabled', () => {
  const c = new StateCache(2);
  const b = (v: number) => ({ version: v, entries: new Map<string, string>(), lines: 0 });
  c.set(StateCache.id(0, 0, 1), b(1));
  c.set(StateCache.id(0, 0, 2), b(2));
  assert.equal(c.get(StateCache.id(0, 0, 1))?.version, 1); // 1 is now the most recent
  c.set(StateCache.id(0, 0, 3), b(3));
  assert.equal(c.get(StateCache.id(0, 0, 2)), undefined, '2 was the least recently used');
  assert.equal(c.get(StateCache.id(0, 0, 1))?.version, 1);
  assert.notEqual(StateCache.id(0, 1, 5), StateCache.id(1, 0, 5), 'state and velocity ids differ');
  assert.notEqual(StateCache.id(0, 1, 5), StateCache.id(0, 0, 5), 'partitions differ');
  const off = new StateCache(0);
  off.set(1, b(1));
  assert.equal(off.size, 0);
});

test('countInBlob reads the last line of each (registrant, day) and skips deleted ones', () => {
  const tag = registrantTag('FLEET-9');
  const other = registrantTag('OTHER');
  const line = (t: string, day: number, n?: number) =>
    `\n${t}${dayKey(day)}${n === undefined ? '' : n.toString(36)}`;
  const blob =
    '5' +
    line(tag, 100, 3) +
    line(other, 100, 50) +
    line(tag, 101, 2) +
    line(tag, 100, 4) + // replaces 3
    line(tag, 90, 7) +
    line(tag, 90); // deleted
  assert.equal(countInBlob(blob, tag, 94, 106), 4 + 2);
  assert.equal(countInBlob(blob, tag, 101, 101), 2);
  assert.equal(countInBlob(blob, other, 0, 1000), 50);
  assert.equal(countInBlob(blob, registrantTag('NOBODY'), 0, 1000), 0);
});
