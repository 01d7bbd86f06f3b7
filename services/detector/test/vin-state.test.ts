import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  dueAt,
  packState,
  readStateHeader,
  unpackState,
  StateFormatError,
  STATE_FORMAT_VERSION,
  type OpenDeclaration,
  type VinState,
} from '../src/vin-state.js';
import { b36, readB36 } from '../src/state-codec.js';
import { mergeEvents } from '../src/apply-events.js';
import { loadRuleset } from '../src/ruleset.js';
import { T0, DAY, regEvent, registration } from '@zmwatch/test-support/events';
import { vinFor } from '@zmwatch/test-support/vins';
import { unpackState as unpackUnversioned } from './fixtures/unversioned-reader.js';

interface Fixture<T> {
  states: T[];
}
const fixture = <T>(name: string): Fixture<T> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Fixture<T>;
/** Real bytes written by main's codec before the format had a version (and what that code read back). */
const legacy = fixture<{ name: string; graceSeconds: number; packed: string; state: VinState }>(
  'legacy-states.json',
);
/** The same states as this release writes them. */
const golden = fixture<{ name: string; packed: string }>('states-v2.json');
/** The header's expireAt and dueAt texts ('<expireAt>~2;<dueAt>'). */
const headerOf = (packed: string): [string, string] => {
  const [exp, due] = packed.split(';');
  return [exp!.replace(/~.*/, ''), due!];
};

const full: VinState = {
  expireAt: Math.floor(T0 / 1000) + 200 * 86400,
  registration: {
    time: T0 + 123,
    jurisdiction: 'CN-GD',
    partyId: '91440300MA5DEALER1',
    partyType: 'TRADING_COMPANY',
    condition: 'NEW',
  },
  lastTransfer: { time: T0 + DAY, partyId: 'odd,id;with%seps', partyType: 'LICENSED_EXPORTER' },
  pendingExportTransferAt: T0 + DAY,
  tempExportPlateAt: T0 + 2 * DAY,
  deregistration: { time: T0 + 9 * DAY, reason: 'EXPORT' },
  declarations: [
    {
      declarationId: '531620260000123456',
      status: 'alerted',
      alertedVersion: '2026.1.0',
      eventTime: T0 + 10 * DAY,
      firstSeenAt: Math.floor(T0 / 1000) + 10 * 86400,
      exporterId: 'EXP1',
      exporterType: 'LICENSED_EXPORTER',
      declaredCondition: 'USED',
      declaredOdometerKm: 0,
      destinationCountry: 'RU',
      hasAfterSalesRef: false,
    },
    {
      declarationId: 'D2',
      status: 'pending',
      eventTime: T0 + 11 * DAY,
      firstSeenAt: Math.floor(T0 / 1000) + 11 * 86400,
      exporterId: 'EXP2',
      exporterType: 'OTHER',
      declaredCondition: 'UNKNOWN',
      declaredOdometerKm: null,
      destinationCountry: 'KZ',
      hasAfterSalesRef: true,
    },
    { declarationId: 'D3', status: 'cancelled', eventTime: T0 + 12 * DAY, withdrawnBy: 'CANCELLED' },
    { declarationId: 'D4', status: 'cancelled', eventTime: T0 + 12 * DAY, withdrawnBy: 'REJECTED' },
  ],
};

const published = {
  revision: 3,
  detectedAt: T0 + 10 * DAY + 1234,
  publishedAt: Math.floor(T0 / 1000) + 11 * 86400,
  fingerprint: '1x2y3z',
  withdrawn: false,
};

/** `full` with revision memory: an alerted declaration holding a deferred revision, a withdrawn one. */
const withRevisions: VinState = {
  ...full,
  declarations: [
    {
      ...full.declarations[0]!,
      published: { ...published, revisionDueAt: published.publishedAt + 60 },
    } as never,
    full.declarations[1]!,
    {
      declarationId: 'D5',
      status: 'cancelled',
      eventTime: T0 + 13 * DAY,
      withdrawnBy: 'REJECTED',
      alerted: {
        exporterId: 'EXP,5',
        exporterType: 'TRADING_COMPANY',
        declaredCondition: 'USED',
        declaredOdometerKm: 12,
        destinationCountry: 'RU',
        hasAfterSalesRef: false,
        declarationTime: T0 + 10 * DAY,
        firstSeenAt: Math.floor(T0 / 1000) + 10 * 86400,
        alertedVersion: '2026.1.0',
        published: { ...published, revision: 1, withdrawn: true },
      },
    },
  ],
};

test('revision memory round-trips: published revision of an alerted declaration, a tombstone that alerted', () => {
  assert.deepEqual(unpackState(packState(withRevisions, 3600)), withRevisions);
});

test("a held-back revision the reach-back alone caused keeps that mark (one 'e' at the end); without it nothing is written", () => {
  const held = withRevisions.declarations[0] as OpenDeclaration;
  const marked: VinState = {
    ...withRevisions,
    declarations: [{ ...held, published: { ...held.published!, revisionDueForEntity: true } }],
  };
  const unmarked: VinState = { ...withRevisions, declarations: [held] };
  assert.deepEqual(unpackState(packState(marked, 3600)), marked);
  assert.equal(packState(marked, 3600), `${packState(unmarked, 3600)},e`);
  // An appended field: releases before it ignore it (the frozen reader of the unversioned one too).
  assert.deepEqual(unpackUnversioned(packState(marked, 3600)).declarations[0], held);
});

test('a revision held back by the rate limit sets the header deadline (the sweeper re-processes the VIN)', () => {
  const only: VinState = { ...withRevisions, declarations: [withRevisions.declarations[0]!] };
  assert.equal(dueAt(only, 3600), published.publishedAt + 60);
  assert.equal(parseInt(headerOf(packState(only, 3600))[1], 36), published.publishedAt + 60);
});

test('a state packed before revisions existed still reads (alerted without revision memory, plain tombstone)', () => {
  const old = packState(full, 3600);
  const back = unpackState(old);
  assert.equal((back.declarations[0] as { published?: unknown }).published, undefined);
  assert.equal(back.declarations[2]!.status, 'cancelled');
});

test('packState/unpackState round-trip every section, escaping separators in free text', () => {
  const packed = packState(full, 3600);
  assert.deepEqual(unpackState(packed), full);
});

test('the header carries expiry and the earliest grace deadline of pending declarations (read by the sweeper without unpacking)', () => {
  const packed = packState(full, 3600);
  const [exp, due] = headerOf(packed);
  assert.deepEqual(readStateHeader(packed), { expireAt: parseInt(exp!, 36), dueAt: parseInt(due!, 36) });
  assert.equal(readStateHeader(packState({ ...full, declarations: [] }, 3600)).dueAt, undefined);
  assert.equal(parseInt(exp!, 36), full.expireAt);
  assert.equal(parseInt(due!, 36), Math.floor(T0 / 1000) + 11 * 86400 + 3600);
  assert.equal(dueAt(full, 3600), parseInt(due!, 36));
  assert.equal(headerOf(packState({ ...full, declarations: [] }, 3600))[1], '');
});

test('a VIN with only a first registration packs small enough for the memory target', () => {
  const packed = packState(
    { expireAt: full.expireAt, registration: full.registration!, declarations: [] },
    3600,
  );
  assert.ok(packed.length <= 48, `packed length ${packed.length}: ${packed}`);
});

test('states written before the format had a version (real bytes from main) read to what that code read', () => {
  assert.ok(legacy.states.length >= 14);
  for (const l of legacy.states) {
    assert.ok(!l.packed.includes('~'), l.name);
    assert.deepEqual(unpackState(l.packed), l.state, l.name);
    const h = readStateHeader(l.packed);
    assert.equal(h.expireAt, l.state.expireAt, l.name);
    const due = dueAt(l.state, l.graceSeconds);
    assert.equal(h.dueAt, due === 0 ? undefined : due, l.name);
  }
});

test('golden packed states: packState writes exactly these bytes (format version 2) and reads them back', () => {
  assert.equal(golden.states.length, legacy.states.length);
  legacy.states.forEach((l, i) => {
    const g = golden.states[i]!;
    assert.equal(g.name, l.name);
    assert.ok(g.packed.split(';')[0]!.endsWith(`~${STATE_FORMAT_VERSION}`), g.name);
    assert.equal(packState(l.state, l.graceSeconds), g.packed, g.name);
    assert.deepEqual(unpackState(g.packed), l.state, g.name);
  });
});

test('a rollback to the release before the version reads what this release writes (its frozen reader)', () => {
  for (const l of legacy.states)
    assert.deepEqual(unpackUnversioned(packState(l.state, l.graceSeconds)), l.state, l.name);
});

test('unknown sections are kept verbatim and written back, never a reset', () => {
  const known = golden.states.find((g) => g.name.startsWith('registration, transfers'))!.packed;
  // A newer release added a section 'Z' and a declaration status 'q': kept, in their order.
  const newer = known + ';Zfuture,1,2;DD9,q,mm6zh1c0,x';
  const state = unpackState(newer);
  assert.deepEqual(state.keptSections, ['Zfuture,1,2', 'DD9,q,mm6zh1c0,x']);
  assert.deepEqual({ ...state, keptSections: undefined }, { ...unpackState(known), keptSections: undefined });
  assert.equal(packState(state, 3600), newer);
  assert.equal(unpackState(known).keptSections, undefined);
});

test('a kept section survives the merge of new events and is written back with the VIN', () => {
  const vin = vinFor('kept-section');
  const ruleset = loadRuleset();
  const grace = ruleset.timing.gracePeriodSeconds;
  const before = packState(
    mergeEvents(undefined, [regEvent(registration(vin))], ruleset, T0 / 1000).state,
    grace,
  );
  const transfer = registration(vin, { eventType: 'TRANSFER', eventTime: T0 + DAY });
  const merged = mergeEvents(
    unpackState(before + ';Zmarks,1'),
    [regEvent(transfer)],
    ruleset,
    T0 / 1000 + 86400,
  );
  assert.equal(merged.changed, true);
  const after = packState(merged.state, grace);
  assert.ok(after.endsWith(';Zmarks,1'), after);
  assert.equal(unpackState(after).lastTransfer?.time, T0 + DAY);
});

test('fields a newer release appended to a known section are ignored; a newer version reads what it knows', () => {
  const g = golden.states.find((x) => x.name === 'first registration only')!.packed;
  const state = unpackState(g);
  assert.deepEqual(unpackState(g + ',zz,extra'), state);
  assert.deepEqual(unpackState(g.replace('~2;', '~3;')), state);
});

test('a field left out at the end (an older writer) reads as absent', () => {
  const d = unpackState('tvrs00~2;;DD1,e,mml9vk00,tbpk00,EXP').declarations[0]!;
  assert.deepEqual(d, {
    declarationId: 'D1',
    status: 'evaluated',
    eventTime: readB36('mml9vk00', 0, 8),
    firstSeenAt: readB36('tbpk00', 0, 6),
    exporterId: 'EXP',
    exporterType: 'OTHER',
    declaredCondition: 'UNKNOWN',
    hasAfterSalesRef: false,
    declaredOdometerKm: null,
    destinationCountry: '',
  });
});

test('base 36: epoch milliseconds and negatives round-trip, bad digits are a StateFormatError', () => {
  for (const n of [0, 35, 36, 0x7fffffff, 0x80000000, T0, T0 + 123, 2 ** 53 - 1, -5, -T0])
    assert.equal(readB36(b36(n), 0, b36(n).length), n, String(n));
  assert.equal(b36(T0), T0.toString(36));
  assert.equal(b36(12.6), 'd'); // 13, rounded
  assert.throws(() => readB36('1x!', 0, 3), StateFormatError);
  assert.throws(() => readB36('', 0, 0), StateFormatError);
});

test('garbage state is reported as a StateFormatError; its header reads as neither expired nor due', () => {
  assert.deepEqual(readStateHeader('zz!~2;'), { expireAt: NaN, dueAt: undefined });
  assert.throws(() => unpackState('nonsense'), StateFormatError);
  assert.throws(() => unpackState('abc!;;'), StateFormatError);
  assert.throws(() => unpackState('abc;;R!!,CN,P,7'), StateFormatError);
  assert.throws(() => unpackState('abc;;DD1,a'), StateFormatError); // required eventTime missing
  assert.throws(() => unpackState('abc;;DD1,a,1,2,E,0,,RU,v,,1'), StateFormatError); // published cut short
});
