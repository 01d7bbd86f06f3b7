/**
 * Issue 20's "Done when" try, the data: hand-built records (no simulator) of a straw-buyer ring, a
 * trader who waits out the 180-day rule and genuine controls that share the ring's exporter,
 * transferee and registration days, all dated in the recent past relative to `now`, and a seeded
 * arrival order in which a car's registration-side events and its declaration come in any order.
 * Plain records: test/foreign/produce.py (librdkafka + fastavro) writes them.
 */
import { DAY_MS, type CustomsDeclarationEvent, type RegistrationEvent } from '@zmwatch/schemas';
import { vinFor } from '@zmwatch/test-support/vins';

export type Role = 'ring' | 'trader' | 'control-used' | 'control-early-resale';

/** Ring members and trader cars must alert as RING_OR_TRADER; controls must not look zero-mileage. */
export const MEMBER_ROLES: readonly Role[] = ['ring', 'trader'];

export interface Car {
  vin: string;
  role: Role;
  declarationId: string;
  /** Days from first registration to the declaration. */
  days: number;
  declaredOdometerKm: number;
}

export type FeedEvent =
  | { feed: 'registrations'; vin: string; value: RegistrationEvent }
  | { feed: 'declarations'; vin: string; value: CustomsDeclarationEvent };

export interface RingTraderData {
  cars: Car[];
  events: FeedEvent[];
}

/** The shape of the data set (ruleset 2026.4.0's thresholds: cohort 4, transferee 5, exporter 10, registrant 3). */
export const DATA_SHAPE = {
  ringSize: 30,
  traderCars: 12,
  usedControls: 8,
  earlyResaleControls: 10,
} as const;

const RING_EXPORTER = '91310000MA1RINGX01';
const RING_TRANSFEREE = '91310000MA1RINGT01';
const TRADER = 'P-TRADER-0001';
const TRADER_EXPORTERS = ['91440300MA5TRDX01', '91440300MA5TRDX02', '91440300MA5TRDX03'];

/** mulberry32: a small seeded generator, so one seed gives one data set and one arrival order. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Builds the data set: every time is `now` minus whole days plus a seeded offset, so the state and
 * entity windows (TTLs from event time and from the processing clock) hold everything.
 */
export function ringTraderData(seed: number, now: number): RingTraderData {
  const rand = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const at = (daysAgo: number) => today - daysAgo * DAY_MS + int(8, 17) * 3_600_000 + int(0, 3_599) * 1000;
  const vin = (role: Role, i: number, prefix: string) =>
    vinFor(`live-ring-trader-${seed}-${role}-${i}`, { prefix });
  const cars: Car[] = [];
  const events: FeedEvent[] = [];

  const register = (
    v: string,
    time: number,
    party: RegistrationEvent['party'],
    jurisdiction: string,
    over: Partial<RegistrationEvent> = {},
  ): RegistrationEvent => ({
    eventId: `live-reg-${v}-${over.eventType ?? 'FIRST_REGISTRATION'}`,
    eventType: 'FIRST_REGISTRATION',
    vin: v,
    vinCheckDigitValid: true,
    jurisdiction,
    party,
    pendingExport: false,
    deregistrationReason: null,
    condition: 'NEW',
    make: 'BYD',
    model: 'Song PLUS DM-i',
    modelYear: 2026,
    fuelType: 'PHEV',
    odometerKm: null,
    priceCny: 159_800,
    plateNumber: null,
    sourceSystem: `${jurisdiction.toLowerCase()}-vms`,
    eventTime: time,
    recordedAt: time + 3_600_000,
    ...over,
  });
  const declare = (
    car: Omit<Car, 'days'>,
    time: number,
    exporterId: string,
    over: Partial<CustomsDeclarationEvent> = {},
  ): CustomsDeclarationEvent => ({
    eventId: `live-decl-${car.declarationId}`,
    eventType: 'DECLARED',
    declarationId: car.declarationId,
    vin: car.vin,
    vinCheckDigitValid: true,
    exporterId,
    exporterType: 'LICENSED_EXPORTER',
    declaredCondition: 'USED',
    declaredOdometerKm: car.declaredOdometerKm,
    destinationCountry: 'AE',
    portOfExit: 'CNSHA',
    hsCode: '8703800010',
    declaredValue: 21_000,
    currency: 'USD',
    afterSalesConfirmationRef: null,
    exportLicenceRef: 'UEL-2026-0001',
    eventTime: time,
    recordedAt: time + 7_200_000,
    ...over,
  });
  const add = (car: Car, reg: RegistrationEvent[], decl: CustomsDeclarationEvent) => {
    cars.push(car);
    for (const r of reg) events.push({ feed: 'registrations', vin: car.vin, value: r });
    events.push({ feed: 'declarations', vin: car.vin, value: decl });
  };

  // (a) The straw-buyer ring: individuals of one city each register one new car on two consecutive
  // days, hand it to one trading company after ~2 months (not flagged pending export) and one
  // exporter declares it used after ~100 days with a few hundred km and an after-sales reference:
  // 10 points on single-vehicle rules; the cohort, the transferee and the exporter give it away.
  const ringDay = 110;
  for (let i = 0; i < DATA_SHAPE.ringSize; i++) {
    const v = vin('ring', i, 'LGX');
    const registered = at(ringDay - (i % 2));
    const days = int(95, 105);
    const car: Car = {
      vin: v,
      role: 'ring',
      declarationId: `LIVE-RING-${i}-${v.slice(-6)}`,
      days,
      declaredOdometerKm: int(150, 700),
    };
    const transfer = register(
      v,
      registered + int(55, 65) * DAY_MS,
      { id: RING_TRANSFEREE, type: 'TRADING_COMPANY' },
      'CN-SH',
      { eventType: 'TRANSFER', condition: 'USED', odometerKm: int(40, 140) },
    );
    add(
      car,
      [register(v, registered, { id: `P-RING-${seed}-${i}`, type: 'INDIVIDUAL' }, 'CN-SH'), transfer],
      declare(car, registered + days * DAY_MS, RING_EXPORTER, {
        afterSalesConfirmationRef: `ASC-RING-${i}`,
      }),
    );
  }

  // (b) The trader: one individual registers 12 new cars five days apart (no registration cohort,
  // no velocity) and has each declared used, little driven, 190-200 days later (past the 180-day
  // after-sales rule and every rapid-export tier), through three exporters (none reaches its
  // threshold). Only the registrant's count gives it away.
  for (let i = 0; i < DATA_SHAPE.traderCars; i++) {
    const v = vin('trader', i, 'LFV');
    const registered = at(300 - i * 5);
    const days = int(190, 200);
    const car: Car = {
      vin: v,
      role: 'trader',
      declarationId: `LIVE-TRADER-${i}-${v.slice(-6)}`,
      days,
      declaredOdometerKm: int(200, 1500),
    };
    add(
      car,
      [register(v, registered, { id: TRADER, type: 'INDIVIDUAL' }, 'CN-GD')],
      declare(car, registered + days * DAY_MS, TRADER_EXPORTERS[i % TRADER_EXPORTERS.length]!, {
        destinationCountry: 'KZ',
      }),
    );
  }

  // (c1) Ordinary used cars: registered new 3-5 years ago by individuals of the ring's city, driven
  // tens of thousands of km, declared used by the ring's exporter.
  for (let i = 0; i < DATA_SHAPE.usedControls; i++) {
    const v = vin('control-used', i, 'LSG');
    const days = int(3 * 365, 5 * 365);
    const car: Car = {
      vin: v,
      role: 'control-used',
      declarationId: `LIVE-USED-${i}-${v.slice(-6)}`,
      days,
      declaredOdometerKm: int(40_000, 90_000),
    };
    const declared = at(int(5, 20));
    add(
      car,
      [register(v, declared - days * DAY_MS, { id: `P-USED-${seed}-${i}`, type: 'INDIVIDUAL' }, 'CN-SH')],
      declare(car, declared, RING_EXPORTER),
    );
  }

  // (c2) Genuine early resales, the ring's look-alikes: individuals of the ring's city register a
  // new car on the ring's days, drive it 60-150 km a day, sell it to the ring's transferee and the
  // ring's exporter declares it used 20-170 days after registration without an after-sales
  // reference. A compliance finding (no confirmation within 180 days), and a rapid-export tier on
  // the zero-mileage typology, but never young and little used: no entity counts them or gives
  // them weight.
  for (let i = 0; i < DATA_SHAPE.earlyResaleControls; i++) {
    const v = vin('control-early-resale', i, 'LGW');
    const days = i < 3 ? int(20, 30) : int(40, 100);
    const registered = at(ringDay - (i % 2));
    const car: Car = {
      vin: v,
      role: 'control-early-resale',
      declarationId: `LIVE-RESALE-${i}-${v.slice(-6)}`,
      days,
      declaredOdometerKm: days * int(60, 150),
    };
    const transfer = register(
      v,
      registered + Math.floor(days / 2) * DAY_MS,
      { id: RING_TRANSFEREE, type: 'TRADING_COMPANY' },
      'CN-SH',
      { eventType: 'TRANSFER', condition: 'USED', odometerKm: Math.floor(car.declaredOdometerKm / 2) },
    );
    add(
      car,
      [register(v, registered, { id: `P-RESALE-${seed}-${i}`, type: 'INDIVIDUAL' }, 'CN-SH'), transfer],
      declare(car, registered + days * DAY_MS, RING_EXPORTER),
    );
  }
  return { cars, events };
}

/**
 * A seeded random arrival order of all events (Fisher-Yates): a car's registration, transfer and
 * declaration land in any order relative to each other and to every other car's.
 */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = seededRandom(seed);
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
