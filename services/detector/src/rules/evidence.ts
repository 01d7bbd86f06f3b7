/**
 * What each rule found, typed: the one thing a rule returns. Sentences, string facts and numeric
 * facts are rendered from it in one place (render.ts); nothing reads them back. Times are UTC epoch
 * ms, days are unrounded.
 */
import type { DeregistrationReason, EntityEvidence, PartyType } from '@zmwatch/schemas';

export const RULE_IDS = {
  rapidExport: 'ZM-RAPID-EXPORT',
  nearZeroOdometer: 'ZM-NEAR-ZERO-ODOMETER',
  usedButNewToTrade: 'ZM-USED-BUT-NEW-TO-TRADE',
  exportPreparation: 'ZM-EXPORT-PREPARATION',
  deregistrationNearDeclaration: 'ZM-DEREGISTRATION-NEAR-DECLARATION',
  registrantVelocity: 'ZM-REGISTRANT-VELOCITY',
  afterSalesConfirmation: 'ZM-NO-AFTER-SALES-CONFIRMATION',
  destinationBan: 'ZM-DESTINATION-BAN',
  destinationWaitingPeriod: 'ZM-DESTINATION-WAITING-PERIOD',
  vinCheckDigitMismatch: 'ZM-VIN-CHECK-DIGIT-MISMATCH',
  entityExporter: 'ZM-ENTITY-EXPORTER',
  entityTransferee: 'ZM-ENTITY-TRANSFEREE',
  entityRegistrant: 'ZM-ENTITY-REGISTRANT',
  entityCohort: 'ZM-ENTITY-COHORT',
} as const;
export type RuleId = (typeof RULE_IDS)[keyof typeof RULE_IDS];

export interface RapidExportEvidence {
  daysSinceFirstRegistration: number;
  tierMaxDays: number;
  registrationTime: number;
  declarationTime: number;
}
export interface NearZeroOdometerEvidence {
  declaredOdometerKm: number;
  maxKm: number;
}
export interface UsedButNewToTradeEvidence {
  registrantId: string;
  registrantType: PartyType;
  registrationTime: number;
}
export interface ExportPreparationEvidence {
  withinDays: number;
  registrationTime: number;
  /** The transfer flagged pending export, when it fell within the window. */
  pendingExportTransfer?: { days: number; time: number };
  /** The temporary export plate, when it fell within the window. */
  tempExportPlate?: { days: number; time: number };
}
export interface DeregistrationEvidence {
  /** Negative: before the declaration. */
  daysFromDeclaration: number;
  withinDays: number;
  reason: DeregistrationReason;
  deregistrationTime: number;
}
export interface RegistrantVelocityEvidence {
  registrantId: string;
  registrations: number;
  threshold: number;
  windowDays: number;
}
export interface AfterSalesEvidence {
  daysSinceFirstRegistration: number;
  jurisdiction: string;
  withinDays: number;
}
export interface DestinationBanEvidence {
  destinationCountry: string;
  withinDays: number;
  daysSinceFirstRegistration: number;
}
export interface DestinationWaitingEvidence {
  destinationCountry: string;
  waitingDays: number;
  daysSinceFirstRegistration: number;
}
export interface VinCheckDigitEvidence {
  vin: string;
}
export interface EntityRuleEvidence {
  entity: EntityEvidence;
  threshold: number;
  /** The young-low-use limit the members were counted under (km per day). */
  maxKmPerDay: number;
  /** Cohort only: the registrant types counted and the registration day (UTC, yyyy-mm-dd). */
  cohort?: { registrantTypes: readonly PartyType[]; jurisdiction: string; day: string };
}

/** Each rule's evidence type. */
export interface EvidenceByRule {
  'ZM-RAPID-EXPORT': RapidExportEvidence;
  'ZM-NEAR-ZERO-ODOMETER': NearZeroOdometerEvidence;
  'ZM-USED-BUT-NEW-TO-TRADE': UsedButNewToTradeEvidence;
  'ZM-EXPORT-PREPARATION': ExportPreparationEvidence;
  'ZM-DEREGISTRATION-NEAR-DECLARATION': DeregistrationEvidence;
  'ZM-REGISTRANT-VELOCITY': RegistrantVelocityEvidence;
  'ZM-NO-AFTER-SALES-CONFIRMATION': AfterSalesEvidence;
  'ZM-DESTINATION-BAN': DestinationBanEvidence;
  'ZM-DESTINATION-WAITING-PERIOD': DestinationWaitingEvidence;
  'ZM-VIN-CHECK-DIGIT-MISMATCH': VinCheckDigitEvidence;
  'ZM-ENTITY-EXPORTER': EntityRuleEvidence;
  'ZM-ENTITY-TRANSFEREE': EntityRuleEvidence;
  'ZM-ENTITY-REGISTRANT': EntityRuleEvidence;
  'ZM-ENTITY-COHORT': EntityRuleEvidence;
}

/** A rule that fired: its id, its weight (from the ruleset) and its typed evidence. */
export type Fired = {
  [K in RuleId]: { ruleId: K; weight: number; evidence: EvidenceByRule[K] };
}[RuleId];
