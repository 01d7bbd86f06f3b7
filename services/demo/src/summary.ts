import { SEVERITY_SYMBOLS } from '@zmwatch/schemas';
import type { AlertTally } from './alert-collector.js';

export interface DemoSummary {
  elapsedS: number;
  events: { total: number; registrations?: number; declarations?: number; noise?: Record<string, number> };
  alerts: AlertTally;
  cases: number | string;
  dlq: Record<string, number>;
  holds: number;
  /** Lines from formatServiceHealth: restarts and downtime per service, and what they make incomplete. */
  services?: readonly string[];
  /** Records the detector (`inputs`) and alerts the escalator had not processed when the drain ended; -1 unknown. */
  backlog?: { inputs: number; alerts: number };
  quality?: {
    precision: number;
    recall: number;
    vehicles: number;
    positives: number;
    truePositives: number;
    falsePositives: number;
    table: string;
  };
}

export function formatSummary(s: DemoSummary): string {
  const sev = [...SEVERITY_SYMBOLS]
    .reverse()
    .map((k) => `${k.toLowerCase()} ${s.alerts.bySeverity[k] ?? 0}`)
    .join(', ');
  const lines = [
    '',
    `== zmwatch demo summary (${s.elapsedS.toFixed(0)} s)`,
    ...(s.services ?? []),
    `events produced   ${s.events.total}` +
      (s.events.registrations !== undefined
        ? ` (registrations ${s.events.registrations}, declarations ${s.events.declarations}; noise: ${
            Object.entries(s.events.noise ?? {})
              .map(([k, n]) => `${k} ${n}`)
              .join(', ') || 'none'
          })`
        : ''),
    `alerts            ${s.alerts.alerts} distinct (${sev}); revisions ${s.alerts.revisions}; physical duplicates ${s.alerts.duplicates}`,
    `cases opened      ${s.cases}`,
    `dead letters      ${
      Object.entries(s.dlq)
        .map(([t, n]) => `${t} +${n}`)
        .join(', ') || 'none'
    }`,
    `customs holds     ${s.holds}`,
  ];
  if (s.backlog && (s.backlog.inputs !== 0 || s.backlog.alerts !== 0)) {
    const n = (x: number) => (x < 0 ? 'unknown' : String(x));
    lines.push(
      `backlog at end    ${n(s.backlog.inputs)} input record(s) not processed by the detector, ${n(s.backlog.alerts)} alert(s) not by the escalator when the drain ended: the figures miss them`,
    );
  }
  if (s.quality) {
    lines.push(
      `detection quality precision ${s.quality.precision.toFixed(4)}, recall ${s.quality.recall.toFixed(4)} ` +
        `over ${s.quality.vehicles} vehicles whose stories had fully arrived (${s.quality.positives} zero-mileage, TP ${s.quality.truePositives}, FP ${s.quality.falsePositives})`,
      '',
      s.quality.table,
    );
  }
  return lines.join('\n');
}
