/**
 * How the feeds deliver a vehicle's events: recording lag and transport delay, then the real-feed
 * imperfections at the configured rates (late delivery, registrations arriving after customs,
 * amendments, duplicates, undecodable records, invalid VINs). Works on one vehicle at a time with its
 * own generator, so a vehicle's noise never depends on the vehicles before it.
 */
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  TOPICS,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import { portsFor } from './geography.js';
import type { NoiseRates } from './options.js';
import { declarationFollowUp, uuid } from './records.js';
import type { Rng } from './rng.js';
import type { PlannedEvent, TruthCore } from './stories.js';
import type { NoiseKind, SimTopic, VehicleTruth } from './types.js';
import { mangleVin } from './vins.js';

/** A record with its simulated arrival time (absolute, ms). */
export interface TimedEvent {
  readonly vehicle: number;
  readonly topic: SimTopic;
  readonly key: string | null;
  readonly value: RegistrationEvent | CustomsDeclarationEvent | null;
  readonly bytes?: Buffer;
  readonly eventTime: number | null;
  arrival: number;
  noise: NoiseKind | null;
}

/** Registrations may arrive after customs only when the export follows registration this closely. */
const OUT_OF_ORDER_MAX_EXPORT_DAYS = 45;
/** Schema ids of the v1 contracts (stable, never reused): used to frame truncated bodies. */
const V1_SCHEMA_ID: Readonly<Record<SimTopic, number>> = {
  [TOPICS.registrations]: 1,
  [TOPICS.declarations]: 2,
};

function transportDelay(rng: Rng): number {
  return Math.round(rng.skewed(200, 60_000, 3));
}

export function deliver(
  vehicle: number,
  planned: readonly PlannedEvent[],
  core: TruthCore,
  rng: Rng,
  noise: NoiseRates,
  startTime: number,
): { events: TimedEvent[]; truth: VehicleTruth } {
  const real: TimedEvent[] = planned.map((p) => ({
    vehicle,
    topic: p.topic,
    key: p.value.vin,
    value: p.value,
    eventTime: p.value.eventTime,
    arrival: p.value.recordedAt + transportDelay(rng),
    noise: p.noise,
  }));

  let lateEvents = 0;
  for (const e of real) {
    if (rng.chance(noise.late)) {
      e.arrival += Math.round(rng.skewed(HOUR_MS, 72 * HOUR_MS, 1.5));
      e.noise ??= 'late';
      lateEvents++;
    }
  }

  const isDecl = (e: TimedEvent) => e.topic === TOPICS.declarations;
  const firstDeclArrival = () => Math.min(...real.filter(isDecl).map((e) => e.arrival));

  let outOfOrder = false;
  const shortExport =
    core.exportTime !== null &&
    core.firstRegistrationTime !== null &&
    core.exportTime - core.firstRegistrationTime <= OUT_OF_ORDER_MAX_EXPORT_DAYS * DAY_MS;
  if (shortExport && noise.outOfOrderMaxDelayMs > 0 && rng.chance(noise.outOfOrder)) {
    const declArrival = firstDeclArrival();
    const early = real
      .filter((e) => !isDecl(e) && e.arrival <= declArrival)
      .sort((a, b) => a.arrival - b.arrival);
    let t =
      declArrival + Math.round(rng.float(MINUTE_MS, Math.max(MINUTE_MS + 1, noise.outOfOrderMaxDelayMs)));
    for (const e of early) {
      // Keep the registration feed's own order for the VIN: the whole backlog arrives late, in order.
      e.arrival = t;
      e.noise = 'out-of-order';
      t += rng.int(1_000, 60_000);
      outOfOrder = true;
    }
  }

  let amendments = 0;
  for (const e of [...real]) {
    if (!isDecl(e) || e.noise === 'cancellation') continue;
    const d = e.value as CustomsDeclarationEvent;
    if (d.eventType !== 'DECLARED' || !rng.chance(noise.amendments)) continue;
    const changes: Partial<CustomsDeclarationEvent> = rng.chance(0.5)
      ? { declaredValue: Math.round(d.declaredValue * rng.float(0.97, 1.03)) }
      : { portOfExit: rng.pick(portsFor(d.destinationCountry)) };
    const amended = declarationFollowUp(
      rng,
      d,
      'AMENDED',
      d.eventTime + rng.float(HOUR_MS, 20 * HOUR_MS),
      changes,
    );
    real.push({
      vehicle,
      topic: TOPICS.declarations,
      key: amended.vin,
      value: amended,
      eventTime: amended.eventTime,
      arrival: Math.max(e.arrival + 1, amended.recordedAt + transportDelay(rng)),
      noise: 'amendment',
    });
    amendments++;
  }

  const out: TimedEvent[] = [...real];
  let duplicates = 0;
  let malformed = 0;
  let invalidVins = 0;
  for (const e of real) {
    if (rng.chance(noise.duplicates)) {
      out.push({
        ...e,
        arrival: e.arrival + Math.round(rng.skewed(1_000, 6 * HOUR_MS, 2)),
        noise: 'duplicate',
      });
      duplicates++;
    }
    if (rng.chance(noise.malformed)) {
      out.push({
        vehicle,
        topic: e.topic,
        key: rng.chance(0.7) ? e.key : null,
        value: null,
        bytes: junkBytes(rng, e),
        eventTime: null,
        arrival: e.arrival + rng.int(0, 5_000),
        noise: 'malformed',
      });
      malformed++;
    }
    if (rng.chance(noise.invalidVins) && e.value) {
      const vin = mangleVin(e.value.vin, rng);
      const value =
        e.topic === TOPICS.declarations
          ? { ...(e.value as CustomsDeclarationEvent), vin, eventId: uuid(rng) }
          : { ...(e.value as RegistrationEvent), vin, eventId: uuid(rng) };
      out.push({ ...e, key: vin, value, arrival: e.arrival + rng.int(0, 10_000), noise: 'invalid-vin' });
      invalidVins++;
    }
  }

  const regArrivals = real.filter((e) => !isDecl(e)).map((e) => e.arrival);
  const hasDecl = real.some(isDecl);
  const lag = regArrivals.length > 0 && hasDecl ? Math.min(...regArrivals) - firstDeclArrival() : null;
  const liveDeclared = real.find(
    (e) =>
      isDecl(e) &&
      e.noise !== 'cancellation' &&
      (e.value as CustomsDeclarationEvent).eventType === 'DECLARED',
  );
  const firstRegistration = real.find(
    (e) => !isDecl(e) && (e.value as RegistrationEvent).eventType === 'FIRST_REGISTRATION',
  );
  const lastArrival = Math.max(...real.map((e) => e.arrival));

  return {
    events: out,
    truth: {
      vehicle,
      ...core,
      lastArrivalOffsetMs: lastArrival - startTime,
      detectableAtOffsetMs: liveDeclared
        ? Math.max(liveDeclared.arrival, firstRegistration?.arrival ?? 0) - startTime
        : null,
      noise: {
        outOfOrder,
        registrationArrivedAfterDeclarationMs: lag !== null && lag > 0 ? lag : null,
        lateEvents,
        duplicates,
        amendments,
        malformed,
        invalidVins,
      },
    },
  };
}

/** Bytes no Avro reader accepts: plain JSON, garbage, empty, an unknown schema id, a truncated body. */
function junkBytes(rng: Rng, e: TimedEvent): Buffer {
  switch (rng.int(0, 4)) {
    case 0:
      return Buffer.from(JSON.stringify({ vin: e.key, eventTime: e.eventTime }));
    case 1: {
      const b = Buffer.from(rng.chars('0123456789abcdef', 2 * rng.int(8, 64)), 'hex');
      b[0] = rng.int(1, 255);
      return b;
    }
    case 2:
      return Buffer.alloc(0);
    case 3: {
      const b = Buffer.alloc(5 + rng.int(4, 40));
      b.writeUInt32BE(900_000 + rng.int(0, 99_999), 1);
      return b;
    }
    default: {
      const b = Buffer.alloc(5 + rng.int(1, 3), 0x41);
      b[0] = 0;
      b.writeUInt32BE(V1_SCHEMA_ID[e.topic], 1);
      return b;
    }
  }
}
