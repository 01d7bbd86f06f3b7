import type { CustomsDeclarationEvent, RegistrationEvent } from '@zmwatch/schemas';

/** A brand-new car registered by a trading company… */
export function firstRegistration(vin: string, at: number, run: string): RegistrationEvent {
  return {
    eventId: `${run}-reg-${vin}`,
    eventType: 'FIRST_REGISTRATION',
    vin,
    vinCheckDigitValid: true,
    jurisdiction: 'CN-GD',
    party: { id: `91440300${run.slice(-6).toUpperCase()}TRD`, type: 'TRADING_COMPANY' },
    pendingExport: false,
    deregistrationReason: null,
    condition: 'NEW',
    make: 'BYD',
    model: 'Song PLUS DM-i',
    modelYear: 2026,
    fuelType: 'PHEV',
    odometerKm: 0,
    priceCny: 159_800,
    plateNumber: null,
    sourceSystem: 'cn-gd-vms',
    eventTime: at,
    recordedAt: at,
  };
}

/** …declared for export as "used" with a near-zero odometer days later. */
export function usedExportDeclaration(vin: string, at: number, run: string): CustomsDeclarationEvent {
  return {
    eventId: `${run}-decl-${vin}`,
    eventType: 'DECLARED',
    declarationId: `DEC-${vin.slice(-8)}`,
    vin,
    vinCheckDigitValid: true,
    exporterId: `91440300${run.slice(-6).toUpperCase()}EXP`,
    exporterType: 'TRADING_COMPANY',
    declaredCondition: 'USED',
    declaredOdometerKm: 12,
    destinationCountry: 'KZ',
    portOfExit: 'CNSZX',
    hsCode: '8703800010',
    declaredValue: 21_500,
    currency: 'USD',
    afterSalesConfirmationRef: null,
    exportLicenceRef: null,
    eventTime: at,
    recordedAt: at,
  };
}
