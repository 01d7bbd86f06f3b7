// Per-typology scoring for bench/quality-bench.ts: each typology of alert contract v3 against its own
// truth from the simulator's ground truth (services/simulator: labels.ts, types.ts VehicleTruth).
//
//   ZERO_MILEAGE       positives: the zm-* stories (every one is a zero-mileage export)
//   RING_OR_TRADER     positives: the zm-* stories too (every scheme vehicle is part of an organised batch or
//                      ring); its recall targets are the ring and trader stories (RING_TARGETS)
//   COMPLIANCE_BREACH  positives: exports that really broke a rule of the ruleset, from the truth's real
//                      registration date (also before the feed), condition, after-sales confirmation,
//                      jurisdiction and destination; a breach by a genuine early resale is a true finding
//   scheme             ZERO_MILEAGE or RING_OR_TRADER reached, against the zm-* stories: the question the
//                      bench asked before typologies (any alert vs zero mileage) without compliance findings
import type { Ruleset } from '@zmwatch/detector';
import {
  SEVERITY_SYMBOLS,
  TYPOLOGIES,
  type Severity,
  type Typology,
  type TypologyVerdict,
} from '@zmwatch/schemas';
import {
  LOOK_ALIKE_LABELS,
  recordDetection,
  scoreDetections,
  type Label,
  type QualityReport,
  type VehicleTruth,
} from '@zmwatch/simulator';

/** The ring and trader stories: what RING_OR_TRADER must catch. */
export const RING_TARGETS: readonly Label[] = ['zm-straw-ring', 'zm-split-exporters', 'zm-threshold-wait'];

export type TypologyTruth = Pick<
  VehicleTruth,
  | 'vin'
  | 'label'
  | 'isZeroMileage'
  | 'exportTime'
  | 'daysToExport'
  | 'declaredCondition'
  | 'afterSalesConfirmation'
  | 'jurisdiction'
  | 'destinationCountry'
>;

/** Did this export really break a rule the COMPLIANCE_BREACH typology stands for? */
export function isComplianceBreach(t: TypologyTruth, ruleset: Ruleset): boolean {
  if (t.exportTime === null || t.daysToExport === null) return false;
  const asc = ruleset.rules.afterSalesConfirmation;
  const days = t.daysToExport;
  if (
    t.declaredCondition === 'USED' &&
    days <= asc.withinDays &&
    !t.afterSalesConfirmation &&
    t.exportTime >= Date.parse(asc.effectiveFrom) &&
    t.jurisdiction !== null &&
    asc.jurisdictionPrefixes.some((p) => t.jurisdiction!.startsWith(p))
  )
    return true;
  const dest = ruleset.rules.destinations.find((d) => d.country === t.destinationCountry);
  if (!dest) return false;
  return dest.kind === 'ban' ? days <= dest.withinDays : days < dest.waitingDays;
}

export type View = Typology | 'scheme';
export const VIEWS: readonly View[] = [...TYPOLOGIES, 'scheme'];

/** Per VIN and view, the highest severity a reached typology had in any evaluation that alerted. */
export class TypologyDetections {
  readonly byView = new Map<View, Map<string, Severity>>(VIEWS.map((v) => [v, new Map()]));

  record(vin: string, verdicts: readonly TypologyVerdict[]): void {
    for (const v of verdicts) {
      if (!v.reached || !v.severity) continue;
      recordDetection(this.byView.get(v.typology as Typology)!, vin, v.severity);
      if (v.typology !== 'COMPLIANCE_BREACH') recordDetection(this.byView.get('scheme')!, vin, v.severity);
    }
  }
}

export interface ViewQuality {
  precision: number;
  recall: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Recall per zm-* label (ZERO_MILEAGE, RING_OR_TRADER, scheme); per label with breaches (compliance). */
  recallByLabel: Record<string, number>;
  /** Look-alike labels: share of their negatives (compliance: non-breaches) the view flagged. */
  lookAlikeFpRate: Record<string, number>;
  /** Precision and recall when only alerts at or above each severity count. */
  atSeverity: Record<Severity, { precision: number; recall: number }>;
}

export function scoreTypologies(
  truths: readonly TypologyTruth[],
  detections: TypologyDetections,
  ruleset: Ruleset,
): Record<View, ViewQuality> {
  const breach = new Map(truths.map((t) => [t.vin, isComplianceBreach(t, ruleset)]));
  const positive = (view: View, t: TypologyTruth) =>
    view === 'COMPLIANCE_BREACH' ? breach.get(t.vin)! : t.isZeroMileage;
  const out = {} as Record<View, ViewQuality>;
  for (const view of VIEWS) {
    const found = detections.byView.get(view)!;
    const vehicles = truths.map((t) => ({ vin: t.vin, label: t.label, isZeroMileage: positive(view, t) }));
    const reports = Object.fromEntries(
      SEVERITY_SYMBOLS.map((s) => [s, scoreDetections(vehicles, found, { minSeverity: s })]),
    ) as Record<Severity, QualityReport>;
    const r = reports.LOW;
    const perLabel = new Map<string, { pos: number; tp: number; neg: number; fp: number }>();
    for (const t of truths) {
      const row = perLabel.get(t.label) ?? { pos: 0, tp: 0, neg: 0, fp: 0 };
      const flagged = found.has(t.vin);
      if (positive(view, t)) {
        row.pos++;
        if (flagged) row.tp++;
      } else {
        row.neg++;
        if (flagged) row.fp++;
      }
      perLabel.set(t.label, row);
    }
    const recallByLabel: Record<string, number> = {};
    const lookAlikeFpRate: Record<string, number> = {};
    for (const [label, row] of perLabel) {
      if (row.pos > 0) recallByLabel[label] = round(row.tp / row.pos);
      if ((LOOK_ALIKE_LABELS as readonly string[]).includes(label) && row.neg > 0)
        lookAlikeFpRate[label] = round(row.fp / row.neg);
    }
    out[view] = {
      precision: round(r.precision),
      recall: round(r.recall),
      truePositives: r.truePositives,
      falsePositives: r.falsePositives,
      falseNegatives: r.falseNegatives,
      recallByLabel,
      lookAlikeFpRate,
      atSeverity: Object.fromEntries(
        SEVERITY_SYMBOLS.map((s) => [
          s,
          { precision: round(reports[s].precision), recall: round(reports[s].recall) },
        ]),
      ) as ViewQuality['atSeverity'],
    };
  }
  return out;
}

/** The per-typology tables of the bench's printout. */
export function formatTypologies(q: Record<View, ViewQuality>, labels: readonly string[]): string[] {
  const lines: string[] = [];
  const col = (s: string) => s.padStart(18);
  lines.push('per typology, each against its own truth (severity >= LOW)');
  lines.push(`${'typology'.padEnd(18)} precision   recall   tp        fp       fn`);
  for (const v of VIEWS) {
    const x = q[v];
    lines.push(
      `${v.padEnd(18)} ${x.precision.toFixed(4).padStart(9)} ${x.recall.toFixed(4).padStart(8)}   ${String(x.truePositives).padEnd(9)} ${String(x.falsePositives).padEnd(8)} ${x.falseNegatives}`,
    );
  }
  lines.push('');
  lines.push("recall by label (compliance: of the label's real breaches)");
  lines.push(`${'label'.padEnd(26)}${VIEWS.map(col).join('')}`);
  for (const label of labels) {
    const cells = VIEWS.map((v) => {
      const r = q[v].recallByLabel[label];
      return col(r === undefined ? '-' : r.toFixed(4));
    });
    if (cells.every((c) => c.trim() === '-')) continue;
    lines.push(`${label.padEnd(26)}${cells.join('')}`);
  }
  lines.push('');
  lines.push("look-alike false-positive rate (compliance: of the label's non-breaches)");
  lines.push(`${'label'.padEnd(26)}${VIEWS.map(col).join('')}`);
  for (const label of LOOK_ALIKE_LABELS) {
    const cells = VIEWS.map((v) => {
      const r = q[v].lookAlikeFpRate[label];
      return col(r === undefined ? '-' : r.toFixed(4));
    });
    lines.push(`${label.padEnd(26)}${cells.join('')}`);
  }
  return lines;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
