import type { Alert, CaseOutcome, CustomsDeclarationEvent, RegistrationEvent } from '../../src/index.js';
import { DAY_MS, HOUR_MS } from '../../src/time-units.js';

export const VALID_VIN = '1M8GDM9AXKP042788'; // check digit X, valid
export const CN_VIN = 'LGXCE4CB5N0123456'; // structurally valid, check digit not used

const T0 = Date.parse('2026-03-01T08:00:00.000Z');

export function registration(overrides: Partial<RegistrationEvent> = {}): RegistrationEvent {
  return {
    eventId: 'reg-0001',
    eventType: 'FIRST_REGISTRATION',
    vin: VALID_VIN,
    vinCheckDigitValid: true,
    jurisdiction: 'CN-GD',
    party: { id: '91440300MA5XXXXX1', type: 'TRADING_COMPANY' },
    pendingExport: false,
    deregistrationReason: null,
    condition: 'NEW',
    make: 'BYD',
    model: 'Song PLUS DM-i',
    modelYear: 2026,
    fuelType: 'PHEV',
    odometerKm: 3,
    priceCny: 159800,
    plateNumber: '粤B12345',
    sourceSystem: 'cn-gd-vms',
    eventTime: T0,
    recordedAt: T0 + HOUR_MS,
    ...overrides,
  };
}

export function declaration(overrides: Partial<CustomsDeclarationEvent> = {}): CustomsDeclarationEvent {
  return {
    eventId: 'dec-0001',
    eventType: 'DECLARED',
    declarationId: '531620260000123456',
    vin: VALID_VIN,
    vinCheckDigitValid: true,
    exporterId: '91440300MA5XXXXX1',
    exporterType: 'TRADING_COMPANY',
    declaredCondition: 'USED',
    declaredOdometerKm: 12,
    destinationCountry: 'RU',
    portOfExit: 'CNSZX',
    hsCode: '8703600010',
    declaredValue: 21500.5,
    currency: 'USD',
    afterSalesConfirmationRef: null,
    exportLicenceRef: null,
    eventTime: T0 + 6 * DAY_MS,
    recordedAt: T0 + 6 * DAY_MS + 60_000,
    ...overrides,
  };
}

export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    alertId: 'zma-00000000000000000000000000000000',
    vin: VALID_VIN,
    declarationId: '531620260000123456',
    severity: 'HIGH',
    score: 0.85,
    rules: [
      {
        ruleId: 'ZM-EXPORT-WITHIN-DAYS',
        weight: 0.5,
        evidence: 'exported 6 days after first registration',
        facts: { daysSinceFirstRegistration: '6' },
        numericFacts: { daysSinceFirstRegistration: 6 },
        typology: 'ZERO_MILEAGE',
        entity: null,
      },
      {
        ruleId: 'ZM-LOW-ODOMETER',
        weight: 0.35,
        evidence: 'declared odometer 12 km',
        facts: { declaredOdometerKm: '12' },
        numericFacts: { declaredOdometerKm: 12, maxKm: 50 },
        typology: 'ZERO_MILEAGE',
        entity: null,
      },
    ],
    facts: { daysSinceFirstRegistration: '6', declaredOdometerKm: '12', declaredCondition: 'USED' },
    registrantId: '91440300MA5XXXXX1',
    registrantType: 'TRADING_COMPANY',
    exporterId: '91440300MA5XXXXX1',
    destinationCountry: 'RU',
    jurisdiction: 'CN-GD',
    rulesetVersion: '2026.03.1',
    registrationTime: T0,
    declarationTime: T0 + 6 * DAY_MS,
    detectedAt: T0 + 6 * DAY_MS + 2_000,
    revision: 0,
    status: 'ACTIVE',
    revisionReason: null,
    revisedAt: null,
    firstRegistrant: { id: '91440300MA5DEALER1', type: 'DEALER' },
    holderAtDeclaration: { id: '91440300MA5XXXXX1', type: 'TRADING_COMPANY' },
    exporter: { id: '91440300MA5XXXXX1', type: 'TRADING_COMPANY' },
    timeline: [
      {
        kind: 'FIRST_REGISTRATION',
        eventTime: T0,
        partyId: '91440300MA5DEALER1',
        partyType: 'DEALER',
        jurisdiction: 'CN-GD',
        odometerKm: null,
        flags: ['NEW'],
      },
      {
        kind: 'DECLARATION',
        eventTime: T0 + 6 * DAY_MS,
        partyId: '91440300MA5XXXXX1',
        partyType: 'TRADING_COMPANY',
        jurisdiction: null,
        odometerKm: 12,
        flags: ['USED', 'DEST:RU'],
      },
    ],
    typologies: [{ typology: 'ZERO_MILEAGE', score: 0.85, severity: 'HIGH', reached: true }],
    ...overrides,
  };
}

export function caseOutcome(overrides: Partial<CaseOutcome> = {}): CaseOutcome {
  return {
    caseId: `case-${VALID_VIN}`,
    vin: VALID_VIN,
    decision: 'CONFIRMED',
    reason: 'dealer registered and exported within a week, odometer 12 km',
    analyst: 'analyst-7',
    alertIds: ['zma-00000000000000000000000000000000'],
    openedAt: T0 + 6 * DAY_MS + 5_000,
    decidedAt: T0 + 7 * DAY_MS,
    ...overrides,
  };
}

/** Plain-object copy (avsc decodes records as instances of generated classes). */
export function plain<T>(v: T): T {
  return structuredClone(v);
}
