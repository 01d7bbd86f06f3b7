import type { Logger } from '@zmwatch/kit';
import type { Alert } from '@zmwatch/schemas';
import type { EmittedCache } from './emitted-cache.js';
import { emittedKey, tally, type BatchEvaluation } from './evaluate-batch.js';
import type { DetectorMetrics } from './metrics.js';

/**
 * Step 5: produce the batch's alerts and await their acks, before anything is marked in the state;
 * then remember them as emitted and count them.
 */
export async function publishAlerts(
  evaluation: BatchEvaluation,
  publish: (alerts: Alert[]) => Promise<void>,
  emitted: EmittedCache,
  metrics: DetectorMetrics,
  now: () => number,
): Promise<void> {
  const { alerts, arrivals } = evaluation;
  if (alerts.length === 0) return;
  await publish(alerts);
  const ackedAt = now();
  // Counted per batch, then added once per label value: a labelled inc costs a label lookup each.
  const severities = new Map<string, number>();
  const rules = new Map<string, number>();
  for (const a of alerts) {
    emitted.add(emittedKey(a));
    if (a.revision === 0) {
      tally(severities, a.severity);
      for (const r of a.rules) tally(rules, r.ruleId);
    } else metrics.revisions.inc({ reason: a.revisionReason ?? 'EVIDENCE', status: a.status });
  }
  for (const [severity, n] of severities) metrics.alerts.inc({ severity }, n);
  for (const [rule, n] of rules) metrics.ruleHits.inc({ rule }, n);
  for (const arrival of arrivals) metrics.detectionLatency.observe(Math.max(0, ackedAt - arrival) / 1000);
}

/** One log line per produced alert, with the VIN and where its last event came from. */
export function logAlerts(evaluation: BatchEvaluation, logger: Logger): void {
  if (!logger.isLevelEnabled('info')) return;
  evaluation.alerts.forEach((a, i) => {
    const src = evaluation.alertWork[i]!.events.at(-1)?.source;
    logger.info(
      {
        vin: a.vin,
        ...src,
        alertId: a.alertId,
        revision: a.revision,
        status: a.status,
        declarationId: a.declarationId,
        severity: a.severity,
        score: a.score,
        rules: a.rules.map((r) => r.ruleId),
      },
      a.revision === 0 ? 'alert produced' : 'alert revision produced',
    );
  });
}
