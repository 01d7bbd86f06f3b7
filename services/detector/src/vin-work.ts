import type { DetectorEvent, MergeResult } from './apply-events.js';

export interface VinWork {
  vin: string;
  /** Events for this VIN in offset order; empty for a sweeper re-check of pending declarations. */
  events: DetectorEvent[];
}

/** One VIN of a batch after its events were merged: what it read (packed) and the merge result. */
export interface MergedVin {
  work: VinWork;
  before: string | undefined;
  result: MergeResult;
}

/** Group decoded events by VIN, keeping offset order within each VIN. */
export function groupByVin(events: readonly DetectorEvent[]): VinWork[] {
  const byVin = new Map<string, DetectorEvent[]>();
  for (const e of events) {
    const list = byVin.get(e.event.vin);
    if (list) list.push(e);
    else byVin.set(e.event.vin, [e]);
  }
  return [...byVin].map(([vin, evs]) => ({ vin, events: evs }));
}
