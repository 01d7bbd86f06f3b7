import { RetriableError } from '@zmwatch/kit';
import { recordVerdict } from './apply-events.js';
import type { Verdict } from './evaluate-batch.js';
import type { DetectorMetrics } from './metrics.js';
import type { StateWrite } from './redis-store.js';
import type { Ruleset } from './ruleset.js';
import { packState } from './vin-state.js';
import type { MergedVin } from './vin-work.js';

/** Thrown when another writer changed a VIN between our read and our write; the batch is retried. */
export class StateConflictError extends RetriableError {
  override readonly name = 'StateConflictError';
}

/**
 * Step 6 (pure): record the verdicts in the states and pack every state that changed (an expired
 * one packs to '', which deletes it).
 */
export function planStateWrites(
  merged: readonly MergedVin[],
  verdicts: readonly Verdict[],
  ruleset: Ruleset,
  nowS: number,
): StateWrite[] {
  for (const v of verdicts)
    recordVerdict(v.merged.result.state, v.declarationId, v.alerted, ruleset.version, v.published);
  const writes: StateWrite[] = [];
  for (const m of merged) {
    const next =
      m.result.state.expireAt <= nowS ? '' : packState(m.result.state, ruleset.timing.gracePeriodSeconds);
    if (next !== (m.before ?? '')) writes.push({ vin: m.work.vin, expected: m.before ?? '', next });
  }
  return writes;
}

/**
 * After step 7 (the all-or-nothing write): `lost` VINs mean another writer changed the partition
 * between our read and our write; nothing was written, so the batch is retried from a fresh read.
 */
export function rejectConflicts(lost: readonly string[], metrics: DetectorMetrics): void {
  if (lost.length === 0) return;
  metrics.casConflicts.inc(lost.length);
  throw new StateConflictError(
    `state of ${lost.length} VIN(s) changed concurrently (e.g. ${lost[0]}); retrying the batch`,
  );
}
