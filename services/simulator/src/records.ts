/**
 * Builders of the two feed records. They fill every field the Avro contracts have, the way a
 * registration authority and customs would, and derive recordedAt from eventTime with a realistic
 * recording lag (registration offices batch their uploads; customs systems are near real time).
 */
import {
  HOUR_MS,
  MINUTE_MS,
  type CustomsDeclarationEvent,
  type DeclarationEventType,
  type DeregistrationReason,
  type PartyType,
  type RegistrationEvent,
  type RegistrationEventType,
  type VehicleCondition,
} from '@zmwatch/schemas';
import type { Maker, Model } from './catalog.js';
import { USD_PER_CNY, type Jurisdiction } from './geography.js';
import type { SimParty } from './parties.js';
import type { Rng } from './rng.js';

export interface VehicleSpec {
  readonly vin: string;
  readonly checkDigitValid: boolean;
  readonly maker: Maker;
  readonly model: Model;
  readonly modelYear: number;
  /** The price this car listed at when new, CNY. */
  readonly listPriceCny: number;
}

/** RFC 4122 version-4 shaped id from the seeded generator (deterministic, unique in practice). */
export function uuid(rng: Rng): string {
  const hex = rng.chars('0123456789abcdef', 32);
  const variant = '89ab'[rng.int(0, 3)]!;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function plateNumber(rng: Rng, j: Jurisdiction, spec: VehicleSpec): string {
  const city = rng.pick([...j.cityLetters]);
  const electric = spec.model.fuel === 'BEV' || spec.model.fuel === 'PHEV' || spec.model.fuel === 'EREV';
  if (electric) return `${j.plate}${city}${rng.pick(['D', 'F'])}${rng.chars('0123456789', 5)}`;
  return `${j.plate}${city}${rng.chars('0123456789ABCDEFGHJKLMNPRSTUVWXYZ', 1)}${rng.chars('0123456789', 4)}`;
}

/** Temporary export plate (synthetic format: 临 + province + city + five digits). */
export function tempExportPlate(rng: Rng, j: Jurisdiction): string {
  return `临${j.plate}${rng.pick([...j.cityLetters])}${rng.chars('0123456789', 5)}`;
}

export interface RegistrationFields {
  readonly eventType: RegistrationEventType;
  readonly party: SimParty;
  readonly jurisdiction: Jurisdiction;
  readonly eventTime: number;
  readonly condition: VehicleCondition;
  readonly odometerKm: number | null;
  readonly priceCny?: number | null;
  readonly pendingExport?: boolean;
  readonly deregistrationReason?: DeregistrationReason | null;
  readonly plateNumber?: string | null;
}

export function registrationRecord(rng: Rng, spec: VehicleSpec, f: RegistrationFields): RegistrationEvent {
  const eventTime = Math.round(f.eventTime);
  return {
    eventId: uuid(rng),
    eventType: f.eventType,
    vin: spec.vin,
    vinCheckDigitValid: spec.checkDigitValid,
    jurisdiction: f.jurisdiction.code,
    party: { id: f.party.id, type: f.party.type },
    pendingExport: f.pendingExport ?? false,
    deregistrationReason: f.deregistrationReason ?? null,
    condition: f.condition,
    make: spec.maker.make,
    model: spec.model.name,
    modelYear: spec.modelYear,
    fuelType: spec.model.fuel,
    odometerKm: f.odometerKm === null ? null : Math.round(f.odometerKm),
    priceCny: f.priceCny === undefined || f.priceCny === null ? null : Math.round(f.priceCny / 100) * 100,
    plateNumber: f.plateNumber ?? null,
    sourceSystem: `cn-${f.jurisdiction.code.slice(3).toLowerCase()}-vms`,
    eventTime,
    recordedAt: eventTime + Math.round(rng.skewed(5 * MINUTE_MS, 6 * HOUR_MS, 3)),
  };
}

export interface DeclarationFields {
  readonly eventType: DeclarationEventType;
  readonly declarationId: string;
  readonly exporter: SimParty;
  readonly condition: VehicleCondition;
  readonly odometerKm: number | null;
  readonly destination: string;
  readonly port: string;
  readonly valueCny: number;
  readonly afterSalesRef: string | null;
  readonly licenceRef: string | null;
  readonly eventTime: number;
}

const HS_BY_FUEL: Readonly<Record<string, string>> = {
  BEV: '87038000',
  PHEV: '87036000',
  EREV: '87036000',
  HEV: '87034000',
  ICE: '87032300',
  OTHER: '87039000',
};

export function declarationRecord(
  rng: Rng,
  spec: VehicleSpec,
  f: DeclarationFields,
): CustomsDeclarationEvent {
  const eventTime = Math.round(f.eventTime);
  return {
    eventId: uuid(rng),
    eventType: f.eventType,
    declarationId: f.declarationId,
    vin: spec.vin,
    vinCheckDigitValid: spec.checkDigitValid,
    exporterId: f.exporter.id,
    exporterType: f.exporter.type as PartyType,
    declaredCondition: f.condition,
    declaredOdometerKm: f.odometerKm === null ? null : Math.round(f.odometerKm),
    destinationCountry: f.destination,
    portOfExit: f.port,
    // Synthetic national suffix: 10 for new, 90 for used vehicles.
    hsCode: `${HS_BY_FUEL[spec.model.fuel] ?? '87039000'}${f.condition === 'NEW' ? '10' : '90'}`,
    declaredValue: Math.round(f.valueCny * USD_PER_CNY),
    currency: 'USD',
    afterSalesConfirmationRef: f.afterSalesRef,
    exportLicenceRef: f.licenceRef,
    eventTime,
    recordedAt: eventTime + Math.round(rng.skewed(MINUTE_MS, 30 * MINUTE_MS, 2)),
  };
}

/** A follow-up event of the same declaration (AMENDED / CANCELLED / CLEARED): new id, new time. */
export function declarationFollowUp(
  rng: Rng,
  base: CustomsDeclarationEvent,
  eventType: DeclarationEventType,
  eventTime: number,
  changes: Partial<CustomsDeclarationEvent> = {},
): CustomsDeclarationEvent {
  const t = Math.round(eventTime);
  return {
    ...base,
    ...changes,
    eventId: uuid(rng),
    eventType,
    eventTime: t,
    recordedAt: t + Math.round(rng.skewed(MINUTE_MS, 30 * MINUTE_MS, 2)),
  };
}

export function afterSalesRef(rng: Rng, spec: VehicleSpec, eventTime: number): string {
  const d = new Date(eventTime).toISOString().slice(0, 10).replaceAll('-', '');
  return `ASC-${spec.vin.slice(0, 3)}-${d}-${rng.chars('0123456789', 6)}`;
}
