import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeEvents, recordVerdict, MIN_RETENTION_SECONDS } from '../src/apply-events.js';
import { loadRuleset } from '../src/ruleset.js';
import { DAY, T0, declaration, declEvent, regEvent, registration } from '@zmwatch/test-support/events';
import { vinFor } from '@zmwatch/test-support/vins';

const ruleset = loadRuleset();
const grace = ruleset.timing.gracePeriodSeconds;
const VIN = vinFor('merge');
const nowS = (ms: number) => Math.floor(ms / 1000);

test('registration then declaration: the declaration is due at once', () => {
  const a = mergeEvents(undefined, [regEvent(registration(VIN))], ruleset, nowS(T0));
  assert.deepEqual(a.due, []);
  assert.ok(a.newFirstRegistration);
  const d = declaration(VIN);
  const b = mergeEvents(a.state, [declEvent(d)], ruleset, nowS(d.eventTime));
  assert.deepEqual(
    b.due.map((x) => x.declarationId),
    [d.declarationId],
  );
  assert.equal(b.newFirstRegistration, undefined);
});

test('declaration first waits for its registration, then is due when it arrives (either order)', () => {
  const d = declaration(VIN);
  const a = mergeEvents(undefined, [declEvent(d)], ruleset, nowS(d.eventTime));
  assert.deepEqual(a.due, []);
  assert.equal(a.state.declarations[0]!.status, 'pending');
  const r = registration(VIN);
  const b = mergeEvents(a.state, [regEvent(r, d.eventTime + 60_000)], ruleset, nowS(d.eventTime + 60_000));
  assert.deepEqual(
    b.due.map((x) => x.declarationId),
    [d.declarationId],
  );
  assert.deepEqual(b.notes, []);
  // Same events in the other order give the same state.
  const c = mergeEvents(
    mergeEvents(undefined, [regEvent(r)], ruleset, nowS(T0)).state,
    [declEvent(d)],
    ruleset,
    nowS(d.eventTime),
  );
  assert.deepEqual(c.state.registration, b.state.registration);
  assert.deepEqual(
    c.state.declarations.map((x) => x.declarationId),
    b.state.declarations.map((x) => x.declarationId),
  );
});

test('a declaration without registration becomes due when the grace period ends', () => {
  const d = declaration(VIN);
  const a = mergeEvents(undefined, [declEvent(d)], ruleset, nowS(d.eventTime));
  assert.deepEqual(mergeEvents(a.state, [], ruleset, nowS(d.eventTime) + grace - 1).due, []);
  assert.equal(mergeEvents(a.state, [], ruleset, nowS(d.eventTime) + grace).due.length, 1);
});

test('a registration after the grace period is noted late, and still re-evaluates', () => {
  const d = declaration(VIN);
  const a = mergeEvents(undefined, [declEvent(d)], ruleset, nowS(d.eventTime));
  const arrival = d.eventTime + (grace + 100) * 1000;
  const b = mergeEvents(a.state, [regEvent(registration(VIN), arrival)], ruleset, nowS(arrival));
  assert.deepEqual(
    b.notes.map((n) => [n.kind, (n as { lateBySeconds?: number }).lateBySeconds]),
    [['late-registration', 100]],
  );
  assert.equal(b.due.length, 1);
});

test('duplicates are no-ops: same state, nothing due again once evaluated', () => {
  const r = registration(VIN);
  const d = declaration(VIN);
  const a = mergeEvents(undefined, [regEvent(r), declEvent(d)], ruleset, nowS(d.eventTime));
  recordVerdict(a.state, d.declarationId, true, ruleset.version);
  const b = mergeEvents(
    a.state,
    [regEvent(r), declEvent(d), declEvent(d), regEvent(r)],
    ruleset,
    nowS(d.eventTime),
  );
  assert.equal(b.changed, false);
  assert.deepEqual(b.due, []);
  assert.equal(b.newFirstRegistration, undefined);
});

test('an amendment re-evaluates a declaration, alerted or not (an alerted one may need a revision), and is noted after an alert', () => {
  const r = registration(VIN);
  const d = declaration(VIN, { eventTime: T0 + 400 * DAY });
  const a = mergeEvents(undefined, [regEvent(r), declEvent(d)], ruleset, nowS(d.eventTime));
  recordVerdict(a.state, d.declarationId, false, ruleset.version);
  const amended = declaration(VIN, {
    eventType: 'AMENDED',
    eventTime: d.eventTime + 1000,
    declaredOdometerKm: 1,
  });
  const b = mergeEvents(a.state, [declEvent(amended)], ruleset, nowS(amended.eventTime));
  assert.equal(b.changed, true);
  assert.deepEqual(
    b.due.map((x) => x.declaredOdometerKm),
    [1],
  );
  recordVerdict(b.state, d.declarationId, true, ruleset.version);
  const again = declaration(VIN, {
    eventType: 'AMENDED',
    eventTime: d.eventTime + 2000,
    declaredOdometerKm: 0,
  });
  const c = mergeEvents(b.state, [declEvent(again)], ruleset, nowS(again.eventTime));
  assert.deepEqual(
    c.due.map((x) => [x.status, x.declaredOdometerKm]),
    [['alerted', 0]],
  );
  assert.deepEqual(
    c.notes.map((n) => n.kind),
    ['amended-after-alert'],
  );
});

test('an older declaration version arriving late is ignored and noted stale', () => {
  const d2 = declaration(VIN, { eventType: 'AMENDED', eventTime: T0 + 20 * DAY, declaredOdometerKm: 7 });
  const d1 = declaration(VIN, { eventTime: T0 + 10 * DAY, declaredOdometerKm: 99 });
  const a = mergeEvents(undefined, [declEvent(d2), declEvent(d1)], ruleset, nowS(d2.eventTime));
  const open = a.state.declarations[0]!;
  assert.ok(open.status === 'pending');
  assert.equal(open.declaredOdometerKm, 7);
  assert.deepEqual(
    a.notes.map((n) => n.kind),
    ['stale-declaration'],
  );
});

test('a cancellation withdraws a pending declaration in either order; a later re-declaration reopens it', () => {
  const d = declaration(VIN);
  const cancel = declaration(VIN, { eventType: 'CANCELLED', eventTime: d.eventTime + 1000 });
  for (const order of [
    [declEvent(d), declEvent(cancel)],
    [declEvent(cancel), declEvent(d)],
  ]) {
    const a = mergeEvents(undefined, order, ruleset, nowS(d.eventTime));
    assert.deepEqual(
      a.state.declarations.map((x) => x.status),
      ['cancelled'],
    );
    const b = mergeEvents(a.state, [regEvent(registration(VIN))], ruleset, nowS(d.eventTime));
    assert.deepEqual(b.due, []);
  }
  const redeclared = declaration(VIN, { eventType: 'DECLARED', eventTime: d.eventTime + 5000 });
  const c = mergeEvents(
    mergeEvents(undefined, [declEvent(cancel)], ruleset, 0).state,
    [declEvent(redeclared)],
    ruleset,
    nowS(d.eventTime),
  );
  assert.equal(c.state.declarations[0]!.status, 'pending');
});

test('REJECTED withdraws like CANCELLED; a cancellation after an alert is noted', () => {
  const d = declaration(VIN);
  const a = mergeEvents(undefined, [regEvent(registration(VIN)), declEvent(d)], ruleset, nowS(d.eventTime));
  recordVerdict(a.state, d.declarationId, true, ruleset.version);
  const b = mergeEvents(
    a.state,
    [declEvent(declaration(VIN, { eventType: 'REJECTED', eventTime: d.eventTime + 1 }))],
    ruleset,
    0,
  );
  assert.equal(b.state.declarations[0]!.status, 'cancelled');
  assert.deepEqual(
    b.notes.map((n) => n.kind),
    ['cancelled-after-alert'],
  );
});

test('registration-side events keep min/max semantics: earliest first registration, latest transfer', () => {
  const late = registration(VIN, { eventTime: T0 + DAY, party: { id: 'LATER', type: 'INDIVIDUAL' } });
  const early = registration(VIN, { eventTime: T0 });
  const t1 = registration(VIN, {
    eventType: 'TRANSFER',
    eventTime: T0 + 3 * DAY,
    pendingExport: true,
    party: { id: 'X1', type: 'LICENSED_EXPORTER' },
  });
  const t2 = registration(VIN, {
    eventType: 'TRANSFER',
    eventTime: T0 + 2 * DAY,
    pendingExport: false,
    party: { id: 'X0', type: 'DEALER' },
  });
  const plate = registration(VIN, { eventType: 'TEMP_EXPORT_PLATE', eventTime: T0 + 4 * DAY });
  const dereg = registration(VIN, {
    eventType: 'DEREGISTRATION',
    eventTime: T0 + 5 * DAY,
    deregistrationReason: 'EXPORT',
  });
  const s = mergeEvents(
    undefined,
    [late, t1, early, t2, plate, dereg].map((e) => regEvent(e)),
    ruleset,
    nowS(T0),
  ).state;
  assert.equal(s.registration!.partyId, early.party.id);
  assert.equal(s.lastTransfer!.partyId, 'X1');
  assert.equal(s.pendingExportTransferAt, T0 + 3 * DAY);
  assert.equal(s.tempExportPlateAt, T0 + 4 * DAY);
  assert.deepEqual(s.deregistration, { time: T0 + 5 * DAY, reason: 'EXPORT' });
});

test('expiry: latest event time + TTL, never sooner than the minimum retention after arrival', () => {
  const r = registration(VIN, { eventTime: T0 });
  const s = mergeEvents(undefined, [regEvent(r, T0)], ruleset, nowS(T0)).state;
  assert.equal(s.expireAt, nowS(T0) + ruleset.timing.stateTtlDays * 86400);
  const old = registration(VIN, { eventTime: T0 - 1000 * DAY });
  const s2 = mergeEvents(undefined, [regEvent(old, T0)], ruleset, nowS(T0)).state;
  assert.equal(s2.expireAt, nowS(T0) + grace + MIN_RETENTION_SECONDS);
});

test('unknown event types are ignored and noted', () => {
  const a = mergeEvents(
    undefined,
    [
      regEvent(registration(VIN, { eventType: 'UNKNOWN' })),
      declEvent(declaration(VIN, { eventType: 'UNKNOWN' })),
    ],
    ruleset,
    0,
  );
  assert.deepEqual(
    a.notes.map((n) => n.kind),
    ['ignored-event', 'ignored-event'],
  );
  assert.equal(a.changed, false);
});
