import { withCheckDigit, type RegistrationEvent } from '@zmwatch/schemas';

/** A structurally valid VIN (a BYD WMI, model year 2025) whose serial is `serial`, check digit computed. */
export function testVin(serial: number): string {
  const draft = `LGXC74C40S${String(serial).padStart(7, '0')}`;
  return withCheckDigit(draft);
}

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
