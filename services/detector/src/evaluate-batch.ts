import type { Alert } from '@zmwatch/schemas';
import { validateVin } from '@zmwatch/schemas';
import { buildAlert } from './alert.js';
import type { EmittedCache } from './emitted-cache.js';
import type { BatchEntities } from './entity-step.js';
import { evaluate } from './evaluate.js';
import type { DetectorMetrics } from './metrics.js';
import type { BatchVelocity } from './registrant-velocity.js';
import type { Ruleset } from './ruleset.js';
import type { MergedVin, VinWork } from './vin-work.js';

/** What a declaration's evaluation decided, recorded in its state once the alerts are acknowledged. */
export interface Verdict {
  merged: MergedVin;
  declarationId: string;
  alerted: boolean;
}

export interface BatchEvaluation {
  /** Alerts to produce (those this process has not already seen acknowledged). */
  alerts: Alert[];
  /** The work item of each alert (same index), for its log line. */
  alertWork: VinWork[];
  verdicts: Verdict[];
  /** Latest Kafka timestamp of the events behind each alert (for the detection latency). */
  arrivals: number[];
}

/** Step 4 (pure but for metrics): evaluate every due declaration and build the alerts. */
export function evaluateBatch(
  merged: readonly MergedVin[],
  velocity: BatchVelocity,
  ruleset: Ruleset,
  nowMs: number,
  emitted: EmittedCache,
  metrics: DetectorMetrics,
  entities?: BatchEntities,
): BatchEvaluation {
  const out: BatchEvaluation = { alerts: [], alertWork: [], verdicts: [], arrivals: [] };
  for (const m of merged) {
    const { state, due } = m.result;
    if (due.length === 0) continue;
    // Only VINs with something to evaluate pay for the check-digit computation.
    const v = validateVin(m.work.vin);
    const subject = {
      vin: m.work.vin,
      vinCheckDigitValid: v.ok ? v.checkDigitValid : false,
      state,
      registrantVelocity: velocity.of(state.registration),
    };
    for (const decl of due) {
      const entityCounts = entities?.of(m.work.vin, decl);
      const ev = evaluate(entityCounts ? { ...subject, entityCounts } : subject, decl, ruleset);
      const already = decl.status === 'alerted' && decl.alertedVersion === ruleset.version;
      if (!ev.alert || already) {
        metrics.evaluations.inc({ outcome: already ? 'already-alerted' : 'below-threshold' });
        out.verdicts.push({ merged: m, declarationId: decl.declarationId, alerted: already });
        continue;
      }
      const alert = buildAlert(m.work.vin, state, decl, ev, ruleset.version, nowMs);
      out.verdicts.push({ merged: m, declarationId: decl.declarationId, alerted: true });
      metrics.evaluations.inc({ outcome: 'alert' });
      if (emitted.has(alert.alertId)) continue;
      out.alerts.push(alert);
      out.alertWork.push(m.work);
      const arrival = Math.max(0, ...m.work.events.map((e) => e.arrival));
      if (arrival > 0) out.arrivals.push(arrival);
    }
  }
  return out;
}
