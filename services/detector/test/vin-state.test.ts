import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dueAt,
  packState,
  readStateHeader,
  unpackState,
  StateFormatError,
  type VinState,
} from '../src/vin-state.js';
import { T0, DAY } from './support/fixtures.js';

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

test('a revision held back by the rate limit sets the header deadline (the sweeper re-processes the VIN)', () => {
  const only: VinState = { ...withRevisions, declarations: [withRevisions.declarations[0]!] };
  assert.equal(dueAt(only, 3600), published.publishedAt + 60);
  assert.equal(parseInt(packState(only, 3600).split(';')[1]!, 36), published.publishedAt + 60);
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
  const [exp, due] = packed.split(';');
  assert.deepEqual(readStateHeader(packed), { expireAt: parseInt(exp!, 36), dueAt: parseInt(due!, 36) });
  assert.equal(readStateHeader(packState({ ...full, declarations: [] }, 3600)).dueAt, undefined);
  assert.equal(parseInt(exp!, 36), full.expireAt);
  assert.equal(parseInt(due!, 36), Math.floor(T0 / 1000) + 11 * 86400 + 3600);
  assert.equal(dueAt(full, 3600), parseInt(due!, 36));
  assert.equal(packState({ ...full, declarations: [] }, 3600).split(';')[1], '');
});

test('a VIN with only a first registration packs small enough for the memory target', () => {
  const packed = packState(
    { expireAt: full.expireAt, registration: full.registration!, declarations: [] },
    3600,
  );
  assert.ok(packed.length <= 48, `packed length ${packed.length}: ${packed}`);
});

test('garbage state is reported as a StateFormatError', () => {
  assert.throws(() => unpackState('nonsense'), StateFormatError);
  assert.throws(() => unpackState('abc;;Zfoo'), StateFormatError);
  assert.throws(() => unpackState('abc;;Dx,q,1'), StateFormatError);
});
