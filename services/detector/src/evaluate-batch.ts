import type { Alert } from '@zmwatch/schemas';
import { validateVin } from '@zmwatch/schemas';
import type { EmittedCache } from './emitted-cache.js';
import type { BatchEntities } from './entity-step.js';
import type { DetectorMetrics } from './metrics.js';
import type { BatchVelocity } from './registrant-velocity.js';
import type { Published, RevisionPolicy } from './revision.js';
import type { Ruleset } from './ruleset.js';
import { decideVerdicts } from './verdicts.js';
import type { MergedVin, VinWork } from './vin-work.js';

/** What a declaration's evaluation decided, recorded in its state once the alerts are acknowledged. */
export interface Verdict {
  merged: MergedVin;
  declarationId: string;
  alerted: boolean;
  /** The alert's revision memory after this batch (absent: unchanged). */
  published?: Published;
}

export interface BatchEvaluation {
  /** Alerts (revisions) to produce (those this process has not already seen acknowledged). */
  alerts: Alert[];
  /** The work item of each alert (same index), for its log line. */
  alertWork: VinWork[];
  verdicts: Verdict[];
  /** Latest Kafka timestamp of the events behind each alert (for the detection latency). */
  arrivals: number[];
}

/** Key of one revision of one alert in the EmittedCache. */
export const emittedKey = (a: Pick<Alert, 'alertId' | 'revision'>): string => `${a.alertId}#${a.revision}`;

/** Step 4 (pure but for metrics): evaluate every due declaration and pending withdrawal, decide revisions. */
export function evaluateBatch(
  merged: readonly MergedVin[],
  velocity: BatchVelocity,
  ruleset: Ruleset,
  revisions: RevisionPolicy,
  nowMs: number,
  emitted: EmittedCache,
  metrics: DetectorMetrics,
  entities?: BatchEntities,
): BatchEvaluation {
  const out: BatchEvaluation = { alerts: [], alertWork: [], verdicts: [], arrivals: [] };
  // Counted per batch, then added once per outcome: a labelled inc costs a label lookup each.
  const outcomes = new Map<string, number>();
  for (const m of merged) {
    const { state, due, withdrawals } = m.result;
    if (due.length === 0 && withdrawals.length === 0) continue;
    // Only VINs with something to evaluate pay for the check-digit computation.
    const v = validateVin(m.work.vin);
    const subject = {
      vin: m.work.vin,
      vinCheckDigitValid: v.ok ? v.checkDigitValid : false,
      state,
      registrantVelocity: velocity.of(state.registration),
    };
    const trigger = entityCaused(m.work) ? 'entity' : m.work.events.length === 0 ? 'deadline' : 'events';
    for (const o of decideVerdicts(
      subject,
      m.result,
      ruleset,
      revisions,
      nowMs,
      (decl) => entities?.of(m.work.vin, decl),
      trigger,
    )) {
      const verdict: Verdict = { merged: m, declarationId: o.declarationId, alerted: o.alerted };
      if (o.published) verdict.published = o.published;
      out.verdicts.push(verdict);
      const alert = o.alert;
      if (!alert) {
        tally(outcomes, o.deferred ? 'revision-deferred' : o.alerted ? 'already-alerted' : 'below-threshold');
        continue;
      }
      tally(outcomes, alert.revision === 0 ? 'alert' : 'revision');
      if (emitted.has(emittedKey(alert))) continue;
      out.alerts.push(alert);
      out.alertWork.push(m.work);
      const arrival = Math.max(0, ...m.work.events.map((e) => e.arrival));
      if (arrival > 0) out.arrivals.push(arrival);
    }
  }
  for (const [outcome, n] of outcomes) metrics.evaluations.inc({ outcome }, n);
  return out;
}

/** Adds one to `key`'s count. */
export function tally(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** The VIN is in the batch only because the reach-back asked for it. */
export const entityCaused = (w: VinWork): boolean => w.entityRecheck === true && w.events.length === 0;
