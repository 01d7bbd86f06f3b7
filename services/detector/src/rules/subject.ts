import { DAY_MS } from '@zmwatch/schemas';
import type { EntityCounts } from '../entity-windows.js';
import type { Ruleset } from '../ruleset.js';
import type { FirstRegistration, OpenDeclaration, VinState } from '../vin-state.js';

/** Everything known about the VIN when a declaration is evaluated. */
export interface EvaluationSubject {
  vin: string;
  vinCheckDigitValid: boolean;
  state: VinState;
  /**
   * Vehicles the first registrant registered on days within the velocity window of this vehicle's
   * first registration (this one included); null when unknown (no registration).
   */
  registrantVelocity: number | null;
  /**
   * Counts of the declaration's entities, with the member VINs counted (entity-windows.ts
   * `EntityCounts`); absent = no entity signals.
   */
  entityCounts?: EntityCounts;
}

/**
 * What every rule reads: the subject, the declaration, and the facts derived from them once. Built
 * field by field (no spread of the subject), always with every property, so every rule subject has
 * one shape and the rules' property reads stay monomorphic.
 */
export interface RuleSubject {
  vin: string;
  vinCheckDigitValid: boolean;
  state: VinState;
  registrantVelocity: number | null;
  /** The declaration's entity counts (EvaluationSubject.entityCounts); undefined: no entity signals. */
  entityCounts: EntityCounts | undefined;
  decl: OpenDeclaration;
  reg: FirstRegistration | undefined;
  /** Days from first registration to the declaration (negative: declared before it); null: no registration. */
  days: number | null;
  used: boolean;
  /** The declared odometer when it is a plausible reading; null when absent or invalid (a finding). */
  odometerKm: number | null;
  ruleset: Ruleset;
}

/**
 * The rule subject of one declaration. `entityCounts`, when given, stands for the subject's own
 * (the counts of this declaration's entities), so a caller need not copy the subject to add them.
 */
export function ruleSubject(
  subject: EvaluationSubject,
  decl: OpenDeclaration,
  ruleset: Ruleset,
  entityCounts: EntityCounts | undefined = subject.entityCounts,
): RuleSubject {
  const reg = subject.state.registration;
  const odo = decl.declaredOdometerKm;
  return {
    vin: subject.vin,
    vinCheckDigitValid: subject.vinCheckDigitValid,
    state: subject.state,
    registrantVelocity: subject.registrantVelocity,
    entityCounts,
    decl,
    reg,
    days: reg ? (decl.eventTime - reg.time) / DAY_MS : null,
    used: decl.declaredCondition === 'USED',
    odometerKm: odo === null || odo < 0 || odo > ruleset.dataQuality.maxPlausibleOdometerKm ? null : odo,
    ruleset,
  };
}

/**
 * Was the vehicle hardly driven for its age? For rules about who registered it (a trader, a registrant
 * of many), which point at a zero-mileage export only then. Unset limit, unknown odometer or no
 * registration: yes.
 */
export function littleUsed(s: RuleSubject, maxKmPerDay: number | undefined): boolean {
  return (
    maxKmPerDay === undefined ||
    s.odometerKm === null ||
    s.days === null ||
    s.odometerKm <= maxKmPerDay * Math.max(s.days, 1)
  );
}
