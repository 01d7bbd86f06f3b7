// The detector benches' deterministic data set: seeded registrations over 90 days (60% by 2,000
// organisations, 40% by individuals) and declarations (half of them suspicious). The same seed gives
// the same records, in the same order, on every run.
import {
  DAY_MS,
  withCheckDigit,
  type CustomsDeclarationEvent,
  type PartyType,
  type RegistrationEvent,
} from '@zmwatch/schemas';

const ORG_TYPES: PartyType[] = ['DEALER', 'TRADING_COMPANY', 'LICENSED_EXPORTER'];

/** Unique, valid VINs: an 8-character prefix, the check digit, then an 8-digit serial. */
export function vinOf(prefix: string, n: number): string {
  const body = `${prefix}0${String(n).padStart(8, '0')}`;
  return withCheckDigit(body);
}

export interface BenchDataOptions {
  /** How many VINs (one first registration each). */
  registrations: number;
  /** Seed of the generator (7 in every published figure). */
  seed?: number;
  /** VIN prefix (8 characters). */
  prefix?: string;
  /** Keep only VINs this accepts (serials are skipped until `registrations` are found). */
  acceptVin?: (vin: string) => boolean;
  /** Clock the event times are relative to. */
  now?: number;
}

export interface BenchData {
  readonly vins: readonly string[];
  readonly now: number;
  /** Registration of the i-th VIN; draws from the seeded generator (call in a fixed order). */
  registrationFor(i: number): RegistrationEvent;
  declarationFor(vin: string, i: number, eventTime: number, suspicious: boolean): CustomsDeclarationEvent;
}

export function createBenchData(opts: BenchDataOptions): BenchData {
  let seed = opts.seed ?? 7;
  const rand = (): number => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const prefix = opts.prefix ?? 'LGXBENCH';
  const vins: string[] = [];
  for (let n = 0; vins.length < opts.registrations; n++) {
    const vin = vinOf(prefix, n);
    if (!opts.acceptVin || opts.acceptVin(vin)) vins.push(vin);
  }
  const now = opts.now ?? Date.now();
  return {
    vins,
    now,
    registrationFor(i) {
      const org = rand() < 0.6;
      const orgId = Math.floor(rand() * 2000);
      const time = now - Math.floor(rand() * 90 * DAY_MS);
      return {
        eventId: `reg-${i}`,
        eventType: 'FIRST_REGISTRATION',
        vin: vins[i]!,
        vinCheckDigitValid: true,
        jurisdiction: 'CN-GD',
        party: org
          ? { id: `9144030${String(orgId).padStart(4, '0')}MA5ORG`, type: ORG_TYPES[orgId % 3]! }
          : { id: `IND${String(i).padStart(12, '0')}`, type: 'INDIVIDUAL' },
        pendingExport: false,
        deregistrationReason: null,
        condition: 'NEW',
        make: 'BYD',
        model: 'Song PLUS DM-i',
        modelYear: 2026,
        fuelType: 'PHEV',
        odometerKm: 5,
        priceCny: 159800,
        plateNumber: null,
        sourceSystem: 'bench',
        eventTime: time,
        recordedAt: time,
      };
    },
    declarationFor(vin, i, eventTime, suspicious) {
      return {
        eventId: `decl-${i}-${eventTime}`,
        eventType: 'DECLARED',
        declarationId: `5316${String(i).padStart(14, '0')}`,
        vin,
        vinCheckDigitValid: true,
        exporterId: '91440300MA5EXPORT1',
        exporterType: 'LICENSED_EXPORTER',
        declaredCondition: suspicious ? 'USED' : 'NEW',
        declaredOdometerKm: suspicious ? 8 : null,
        destinationCountry: suspicious ? 'RU' : 'AE',
        portOfExit: 'CNSZX',
        hsCode: '8703800010',
        declaredValue: 21000,
        currency: 'USD',
        afterSalesConfirmationRef: suspicious ? null : 'ASC-1',
        exportLicenceRef: null,
        eventTime,
        recordedAt: eventTime,
      };
    },
  };
}
