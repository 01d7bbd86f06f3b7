import type { Alert, CaseOutcome, CustomsDeclarationEvent, RegistrationEvent } from '@zmwatch/schemas';

/** What the sink stores: one decoded record of one of its four inputs. */
export type InsightsRecord =
  | { kind: 'registration'; event: RegistrationEvent }
  | { kind: 'declaration'; event: CustomsDeclarationEvent }
  | { kind: 'alert'; alert: Alert; revision: number; status: AlertStatus }
  | { kind: 'outcome'; outcome: CaseOutcome };

export type InsightsKind = InsightsRecord['kind'];

/** Alert lifecycle as the contract states it; ACTIVE where a producer predates the field. */
export const ALERT_STATUSES = ['ACTIVE', 'WITHDRAWN'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
