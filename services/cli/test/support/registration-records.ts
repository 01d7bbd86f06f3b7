import type { RegistrationEvent } from '@zmwatch/schemas';

/** A trading company's first registration of a new BYD in Guangdong: valid against the contract. */
export function firstRegistration(r: {
  eventId: string;
  vin: string;
  eventTime: number;
  recordedAt: number;
}): RegistrationEvent {
  return {
    eventId: r.eventId,
    eventType: 'FIRST_REGISTRATION',
    vin: r.vin,
    vinCheckDigitValid: true,
    jurisdiction: 'CN-GD',
    party: { id: 'REG-ACME', type: 'TRADING_COMPANY' },
    pendingExport: false,
    deregistrationReason: null,
    condition: 'NEW',
    make: 'BYD',
    model: 'Song PLUS DM-i',
    modelYear: 2025,
    fuelType: 'PHEV',
    odometerKm: 0,
    priceCny: 150000,
    plateNumber: null,
    sourceSystem: 'cn-gd-vms',
    eventTime: r.eventTime,
    recordedAt: r.recordedAt,
  };
}
