/**
 * Input events for detection tests: a dealer's first registration of a new car and a customs
 * declaration of it as used ten days later, each overridable field by field, at a fixed "now".
 */
import type { CustomsDeclarationEvent, RegistrationEvent } from '@zmwatch/schemas';
import { DAY_MS } from '@zmwatch/schemas';
import type { DetectorEvent } from '@zmwatch/detector';
import { vinFor } from './vins.js';

export const DAY = DAY_MS;
/** A fixed "now" for pure tests: 2026-03-01T00:00:00Z. */
export const T0 = Date.parse('2026-03-01T00:00:00Z');

export function registration(vin: string, over: Partial<RegistrationEvent> = {}): RegistrationEvent {
  return {
    eventId: `reg-${vin}-${over.eventType ?? 'FIRST_REGISTRATION'}-${over.eventTime ?? T0}`,
    eventType: 'FIRST_REGISTRATION',
    vin,
    vinCheckDigitValid: true,
    jurisdiction: 'CN-GD',
    party: { id: '91440300MA5DEALER1', type: 'DEALER' },
    pendingExport: false,
    deregistrationReason: null,
    condition: 'NEW',
    make: 'BYD',
    model: 'Song PLUS DM-i',
    modelYear: 2026,
    fuelType: 'PHEV',
    odometerKm: 3,
    priceCny: 159800,
    plateNumber: null,
    sourceSystem: 'cn-gd-vms',
    eventTime: T0,
    recordedAt: T0,
    ...over,
  };
}

export function declaration(
  vin: string,
  over: Partial<CustomsDeclarationEvent> = {},
): CustomsDeclarationEvent {
  const eventTime = over.eventTime ?? T0 + 10 * DAY;
  return {
    eventId: `decl-${vin}-${over.declarationId ?? 'D1'}-${over.eventType ?? 'DECLARED'}-${eventTime}`,
    eventType: 'DECLARED',
    declarationId: `D1-${vin}`,
    vin,
    vinCheckDigitValid: true,
    exporterId: '91440300MA5EXPORT1',
    exporterType: 'LICENSED_EXPORTER',
    declaredCondition: 'USED',
    declaredOdometerKm: 12,
    destinationCountry: 'AE',
    portOfExit: 'CNSZX',
    hsCode: '8703800010',
    declaredValue: 21000,
    currency: 'USD',
    afterSalesConfirmationRef: 'ASC-1',
    exportLicenceRef: null,
    eventTime,
    recordedAt: eventTime,
    ...over,
  };
}

export const regEvent = (e: RegistrationEvent, arrival = e.eventTime): DetectorEvent => ({
  kind: 'registration',
  event: e,
  arrival,
});
export const declEvent = (e: CustomsDeclarationEvent, arrival = e.eventTime): DetectorEvent => ({
  kind: 'declaration',
  event: e,
  arrival,
});

export interface MixedCase {
  vin: string;
  /** A zero-mileage export (the detector must alert): registered days ago, declared used now. */
  suspicious: boolean;
  reg: RegistrationEvent;
  decl: CustomsDeclarationEvent;
}

/**
 * A known data set for pipeline tests: `count` VINs named from `id`, every `cleanEvery`-th an old car
 * exported as new (no alert), the others zero-mileage exports registered `youngDays` before `now`;
 * registrant of VIN i: `party(i)`.
 */
export function mixedCases(opts: {
  id: string;
  count: number;
  cleanEvery: number;
  now: number;
  youngDays: number;
  oldDays: number;
  party: (i: number) => string;
}): MixedCase[] {
  return Array.from({ length: opts.count }, (_, i) => {
    const vin = vinFor(`${opts.id}-${i}`);
    const suspicious = i % opts.cleanEvery !== 0;
    return {
      vin,
      suspicious,
      reg: registration(vin, {
        eventTime: opts.now - (suspicious ? opts.youngDays : opts.oldDays) * DAY,
        party: { id: opts.party(i), type: 'DEALER' },
      }),
      decl: declaration(
        vin,
        suspicious
          ? { eventTime: opts.now }
          : { eventTime: opts.now, declaredCondition: 'NEW', declaredOdometerKm: null },
      ),
    };
  });
}
