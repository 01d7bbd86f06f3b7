import type { Party, TimelineEvent } from '@zmwatch/schemas';
import type { WithdrawnBy } from './revision.js';
import type { DeclarationFacts, VinState } from './vin-state.js';

/** The declaration an alert is about, as the timeline and the parties need it. */
export interface TimelineDeclaration extends DeclarationFacts {
  eventTime: number;
  /** Set when customs withdrew it, with the time of the withdrawal. */
  withdrawn?: { by: WithdrawnBy; time: number };
}

const event = (
  kind: string,
  eventTime: number,
  more: Partial<Omit<TimelineEvent, 'kind' | 'eventTime'>> = {},
): TimelineEvent => ({
  kind,
  eventTime,
  partyId: null,
  partyType: null,
  jurisdiction: null,
  odometerKm: null,
  flags: [],
  ...more,
});

// Registration side first at equal times: a plate issued "at" a declaration precedes it in the story.
const ORDER: Record<string, number> = { DECLARATION: 1, CANCELLATION: 2, REJECTION: 2 };

/**
 * The VIN's story as the state keeps it, oldest first: the first registration, the latest transfer,
 * the earliest "pending export" transfer when it is another one, the earliest temporary export plate,
 * the earliest deregistration, the declaration (as last declared or amended) and its withdrawal.
 * The state is compact (what the rules need), so earlier transfers than the latest one are not in it.
 */
export function timelineOf(state: VinState, decl: TimelineDeclaration): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  const reg = state.registration;
  if (reg)
    out.push(
      event('FIRST_REGISTRATION', reg.time, {
        partyId: reg.partyId,
        partyType: reg.partyType,
        jurisdiction: reg.jurisdiction,
        flags: [reg.condition],
      }),
    );
  const t = state.lastTransfer;
  const pending = state.pendingExportTransferAt;
  if (t)
    out.push(
      event('TRANSFER', t.time, {
        partyId: t.partyId,
        partyType: t.partyType,
        flags: pending === t.time ? ['PENDING_EXPORT'] : [],
      }),
    );
  if (pending !== undefined && pending !== t?.time)
    out.push(event('TRANSFER', pending, { flags: ['PENDING_EXPORT'] }));
  if (state.tempExportPlateAt !== undefined) out.push(event('TEMPORARY_PLATE', state.tempExportPlateAt));
  const g = state.deregistration;
  if (g) out.push(event('DEREGISTRATION', g.time, { flags: [g.reason] }));
  const flags = [decl.declaredCondition, `DEST:${decl.destinationCountry}`];
  if (decl.hasAfterSalesRef) flags.push('AFTER_SALES_REF');
  out.push(
    event('DECLARATION', decl.eventTime, {
      partyId: decl.exporterId,
      partyType: decl.exporterType,
      odometerKm: decl.declaredOdometerKm,
      flags,
    }),
  );
  if (decl.withdrawn)
    out.push(event(decl.withdrawn.by === 'REJECTED' ? 'REJECTION' : 'CANCELLATION', decl.withdrawn.time));
  return out.sort((a, b) => a.eventTime - b.eventTime || (ORDER[a.kind] ?? 0) - (ORDER[b.kind] ?? 0));
}

/** The party holding the registration when the declaration was made: the latest transfer at or before it, else the first registrant. */
export function holderAt(state: VinState, time: number): Party | null {
  const t = state.lastTransfer;
  if (t && t.time <= time) return { id: t.partyId, type: t.partyType };
  const reg = state.registration;
  return reg ? { id: reg.partyId, type: reg.partyType } : null;
}
