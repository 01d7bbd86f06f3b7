/**
 * Detection quality against the ground truth, per vehicle: a vehicle is flagged when at least one
 * alert (at or above a severity) names its VIN. Positives are the zero-mileage stories; every other
 * vehicle is a negative, exported or not, so an alert on a domestic car costs precision like any other.
 * Alerts on VINs the scenario never produced (a malformed VIN that slipped through) count as false
 * positives too.
 */
import { SEVERITY_SYMBOLS, type Severity } from '@zmwatch/schemas';
import { LABELS, type Label } from './labels.js';
import type { VehicleTruth } from './types.js';

export interface LabelQuality {
  readonly label: Label;
  readonly vehicles: number;
  readonly flagged: number;
  /** flagged / vehicles: recall for zm-* labels, false-positive rate for the others. */
  readonly flaggedRate: number;
}

export interface QualityReport {
  readonly minSeverity: Severity;
  readonly vehicles: number;
  readonly positives: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  /** Alerted VINs that are not vehicles of the scenario. */
  readonly unknownVinsFlagged: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly byLabel: readonly LabelQuality[];
}

/** Severity of each alerted VIN (the highest seen), or a plain set when severity does not matter. */
export type Detections = ReadonlyMap<string, Severity> | ReadonlySet<string>;

/** Keeps, per VIN, the highest severity seen. */
export function recordDetection(into: Map<string, Severity>, vin: string, severity: Severity): void {
  const prev = into.get(vin);
  if (prev === undefined || SEVERITY_SYMBOLS.indexOf(severity) > SEVERITY_SYMBOLS.indexOf(prev))
    into.set(vin, severity);
}

export interface ScoreOptions {
  /** Lowest severity that counts as flagged (default LOW: every alert). */
  readonly minSeverity?: Severity;
  /**
   * Score only vehicles whose story had fully arrived by this arrival offset (a stream stopped early,
   * e.g. the demo on Ctrl-C): exported vehicles by detectableAtOffsetMs, others by lastArrivalOffsetMs.
   */
  readonly upToOffsetMs?: number;
}

export function scoreDetections(
  vehicles: Iterable<
    Pick<VehicleTruth, 'vin' | 'label' | 'isZeroMileage'> &
      Partial<Pick<VehicleTruth, 'lastArrivalOffsetMs' | 'detectableAtOffsetMs'>>
  >,
  detections: Detections,
  options: ScoreOptions = {},
): QualityReport {
  const minSeverity = options.minSeverity ?? 'LOW';
  const upTo = options.upToOffsetMs;
  const floor = SEVERITY_SYMBOLS.indexOf(minSeverity);
  const isFlagged = (vin: string): boolean => {
    if (detections instanceof Set) return detections.has(vin);
    const sev = (detections as ReadonlyMap<string, Severity>).get(vin);
    return sev !== undefined && SEVERITY_SYMBOLS.indexOf(sev) >= floor;
  };
  const per = new Map<Label, { vehicles: number; flagged: number }>(
    LABELS.map((l) => [l, { vehicles: 0, flagged: 0 }]),
  );
  const seen = new Set<string>();
  let n = 0;
  let positives = 0;
  let tp = 0;
  let fp = 0;
  for (const v of vehicles) {
    seen.add(v.vin);
    if (upTo !== undefined) {
      const due = v.detectableAtOffsetMs ?? v.lastArrivalOffsetMs;
      if (due !== undefined && due !== null && due > upTo) continue;
    }
    n++;
    const flagged = isFlagged(v.vin);
    const row = per.get(v.label)!;
    row.vehicles++;
    if (flagged) row.flagged++;
    if (v.isZeroMileage) {
      positives++;
      if (flagged) tp++;
    } else if (flagged) fp++;
  }
  let unknown = 0;
  for (const vin of detections.keys()) if (!seen.has(vin) && isFlagged(vin)) unknown++;
  fp += unknown;
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = positives === 0 ? 1 : tp / positives;
  return {
    minSeverity,
    vehicles: n,
    positives,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: positives - tp,
    unknownVinsFlagged: unknown,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    byLabel: LABELS.map((label) => {
      const r = per.get(label)!;
      return { label, ...r, flaggedRate: r.vehicles === 0 ? 0 : r.flagged / r.vehicles };
    }),
  };
}

/** A fixed-width table of a report, for terminals and READMEs. */
export function formatQualityTable(r: QualityReport): string {
  const pct = (x: number) => x.toFixed(4);
  const lines = [
    `label                 vehicles   flagged   rate`,
    ...r.byLabel
      .filter((x) => x.vehicles > 0)
      .map(
        (x) =>
          `${x.label.padEnd(20)} ${String(x.vehicles).padStart(9)} ${String(x.flagged).padStart(9)}   ${pct(x.flaggedRate)}${x.label.startsWith('zm-') ? '  (recall)' : '  (false-positive rate)'}`,
      ),
    `overall (severity >= ${r.minSeverity}): precision ${pct(r.precision)}  recall ${pct(r.recall)}  f1 ${pct(r.f1)}  tp ${r.truePositives} fp ${r.falsePositives} fn ${r.falseNegatives}`,
  ];
  return lines.join('\n');
}
