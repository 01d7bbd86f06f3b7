import type { EvaluationSubject } from '../../src/evaluate.js';
import type { OpenDeclaration, VinState } from '../../src/vin-state.js';
import { DAY, T0 } from '@zmwatch/test-support/events';
import { vinFor } from '@zmwatch/test-support/vins';

export const EVAL_VIN = vinFor('evaluate');

/** A declaration that fires nothing on its own: NEW, no odometer, ASC ref present, neutral destination, 400 days. */
export function openDeclaration(over: Partial<OpenDeclaration> = {}): OpenDeclaration {
  return {
    declarationId: 'D1',
    status: 'pending',
    eventTime: T0 + 400 * DAY,
    firstSeenAt: Math.floor((T0 + 400 * DAY) / 1000),
    exporterId: 'EXP1',
    exporterType: 'LICENSED_EXPORTER',
    declaredCondition: 'NEW',
    declaredOdometerKm: null,
    destinationCountry: 'AE',
    hasAfterSalesRef: true,
    ...over,
  };
}

/** A VIN first registered NEW to an individual in CN-GD at T0, velocity 1, check digit valid. */
export function evaluationSubject(
  state: Partial<VinState> = {},
  over: Partial<EvaluationSubject> = {},
): EvaluationSubject {
  return {
    vin: EVAL_VIN,
    vinCheckDigitValid: true,
    state: {
      expireAt: 0,
      declarations: [],
      registration: {
        time: T0,
        jurisdiction: 'CN-GD',
        partyId: 'R1',
        partyType: 'INDIVIDUAL',
        condition: 'NEW',
      },
      ...state,
    },
    registrantVelocity: 1,
    ...over,
  };
}
