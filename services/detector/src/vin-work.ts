import type { DetectorEvent, MergeResult } from './apply-events.js';
import type { DetectorInput } from './entity-recheck.js';

export interface VinWork {
  vin: string;
  /** Events for this VIN in offset order; empty for a sweeper re-check of pending declarations. */
  events: DetectorEvent[];
  /** An entity's count crossed a threshold for this VIN: re-evaluate its declarations (entity-recheck.ts). */
  entityRecheck?: true;
}

/** One VIN of a batch after its events were merged: what it read (packed) and the merge result. */
export interface MergedVin {
  work: VinWork;
  before: string | undefined;
  result: MergeResult;
}

/** Group decoded events by VIN, keeping offset order within each VIN; requests mark their VIN. */
export function groupByVin(inputs: readonly DetectorInput[]): VinWork[] {
  const byVin = new Map<string, VinWork>();
  for (const e of inputs) {
    let w = byVin.get(e.event.vin);
    if (!w) byVin.set(e.event.vin, (w = { vin: e.event.vin, events: [] }));
    if (e.kind === 'entity-recheck') w.entityRecheck = true;
    else w.events.push(e);
  }
  return [...byVin.values()];
}
