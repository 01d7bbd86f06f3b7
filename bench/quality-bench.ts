// Detection quality of the detector's rules on a seeded simulated data set (>= 1,000,000 events).
//   node --import tsx bench/quality-bench.ts [--seed 42] [--vehicles 700000] [--noise default]
//                                            [--ruleset FILE] [--pipeline N]
// Streams the simulator's scenario through the detector's own decision code in memory (see
// quality-model.ts), scores alerts per vehicle against the ground truth, and prints a table plus one
// JSON line. `--pipeline N` additionally streams N vehicles of the same seed live through the real
// detector (Kafka + Redis, unique topics and key prefix) and prints its recall per variant beside the
// model's (lib/quality-pipeline.ts).
import { parseArgs } from 'node:util';
import { DEFAULT_RULESET_FILE, loadRuleset } from '@zmwatch/detector';
import { createCodec, SEVERITY_SYMBOLS, type Severity } from '@zmwatch/schemas';
import {
  generateScenario,
  recordDetection,
  scoreDetections,
  ZERO_MILEAGE_LABELS,
  ADAPTIVE_LABELS,
  type Label,
  type QualityReport,
} from '@zmwatch/simulator';
import { createInMemoryDetector } from './quality-model.js';
import {
  formatTypologies,
  scoreTypologies,
  TypologyDetections,
  type TypologyTruth,
} from './quality-typologies.js';
import { formatPipelineComparison, runPipelineComparison } from './lib/quality-pipeline.js';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '42' },
    vehicles: { type: 'string', default: '700000' },
    noise: { type: 'string', default: 'default' },
    ruleset: { type: 'string', default: DEFAULT_RULESET_FILE },
    pipeline: { type: 'string' },
  },
});

// Issue 14: >= 0.99 on the variants the single-vehicle rules were built for, >= 0.95 on the adaptive
// ones (ADAPTIVE_LABELS), precision >= 0.99 with the look-alikes in the negatives.
const TARGETS: Partial<Record<Label, number>> = Object.fromEntries(
  ZERO_MILEAGE_LABELS.map((l) => [l, ADAPTIVE_LABELS.includes(l) ? 0.95 : 0.99]),
);
const PRECISION_TARGET = 0.99;

type Truth = TypologyTruth & { exported: boolean };

async function main(): Promise<void> {
  const ruleset = loadRuleset(args.ruleset);
  const codec = await createCodec();
  const noise = /^\d+(\.\d+)?$/.test(args.noise) ? Number(args.noise) : (args.noise as 'default' | 'none');
  const scenario = generateScenario({ seed: Number(args.seed), vehicles: Number(args.vehicles), noise });
  // Per typology (and the scheme view: zero mileage or ring/trader), from every alerting evaluation:
  // the verdicts a published revision carries. The label table and the targets use the scheme view.
  const typologyDetections = new TypologyDetections();
  const detections = typologyDetections.byView.get('scheme')!;
  const anyAlert = new Map<string, Severity>();
  const alertRules = new Map<string, Set<string>>();
  const best = new Map<string, { score: number; rules: readonly string[] }>();
  const model = createInMemoryDetector({
    ruleset,
    codec,
    startTime: scenario.options.startTime,
    onAlert: (a) => {
      recordDetection(anyAlert, a.vin, a.severity);
      const set = alertRules.get(a.vin) ?? new Set<string>();
      for (const r of a.rules) set.add(r);
      alertRules.set(a.vin, set);
    },
    onEvaluation: (e) => {
      if (e.alert) typologyDetections.record(e.vin, e.typologies);
      const prev = best.get(e.vin);
      if (!prev || e.score > prev.score) best.set(e.vin, { score: e.score, rules: e.rules });
    },
  });

  const truths: Truth[] = [];
  const started = performance.now();
  let events = 0;
  for (const item of scenario.items()) {
    if (item.kind === 'vehicle') {
      const t = item.truth;
      truths.push({
        vin: t.vin,
        label: t.label,
        isZeroMileage: t.isZeroMileage,
        exportTime: t.exportTime,
        daysToExport: t.daysToExport,
        declaredCondition: t.declaredCondition,
        afterSalesConfirmation: t.afterSalesConfirmation,
        jurisdiction: t.jurisdiction,
        destinationCountry: t.destinationCountry,
        exported: t.exportTime !== null,
      });
    } else if (item.kind === 'event') {
      events++;
      model.accept(item.event);
    }
  }
  model.finish();
  const elapsedMs = performance.now() - started;

  const reports = Object.fromEntries(
    SEVERITY_SYMBOLS.map((s) => [s, scoreDetections(truths, detections, { minSeverity: s })]),
  ) as Record<Severity, QualityReport>;
  const r = reports.LOW;
  const typologies = scoreTypologies(truths, typologyDetections, ruleset);
  const anyAlertReport = scoreDetections(truths, anyAlert);

  // Explain misses and false positives by the rules that fired at their best evaluation.
  const combos = (filter: (t: Truth) => boolean) => {
    const counts = new Map<string, number>();
    for (const t of truths) {
      if (!filter(t)) continue;
      const b = best.get(t.vin);
      const key = b ? `${b.score}: ${b.rules.map(shortRule).join('+') || '(none)'}` : 'never evaluated';
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 6);
  };

  const lines: string[] = [];
  lines.push(
    `Detection quality: seed ${scenario.options.seed}, ${fmt(truths.length)} vehicles, ${fmt(events)} events, ruleset ${ruleset.version}, noise ${args.noise} (in-memory detector model, ${(elapsedMs / 1000).toFixed(1)} s)`,
  );
  lines.push('');
  lines.push('scheme view: zero-mileage or ring/trader typology reached, against the zm-* stories');
  lines.push('label                 vehicles  exported   alerted    rate  target  meaning');
  for (const row of r.byLabel) {
    if (row.vehicles === 0) continue;
    const exported = truths.filter((t) => t.label === row.label && t.exported).length;
    const target = TARGETS[row.label];
    const status =
      target === undefined ? '' : row.flaggedRate >= target ? `>=${target} ok` : `>=${target} MISS`;
    lines.push(
      `${row.label.padEnd(20)} ${fmt(row.vehicles).padStart(9)} ${fmt(exported).padStart(9)} ${fmt(row.flagged).padStart(9)}  ${row.flaggedRate.toFixed(4)}  ${status.padEnd(11)} ${row.label.startsWith('zm-') ? 'recall' : 'false-positive rate'}`,
    );
  }
  lines.push('');
  lines.push('min severity   precision   recall   tp        fp       fn');
  for (const s of SEVERITY_SYMBOLS) {
    const x = reports[s];
    lines.push(
      `${s.padEnd(13)} ${x.precision.toFixed(4).padStart(10)} ${x.recall.toFixed(4).padStart(8)}   ${fmt(x.truePositives).padEnd(9)} ${fmt(x.falsePositives).padEnd(8)} ${fmt(x.falseNegatives)}`,
    );
  }
  lines.push(`precision target >= ${PRECISION_TARGET}: ${r.precision >= PRECISION_TARGET ? 'ok' : 'MISS'}`);
  lines.push('');
  lines.push('alerted share by label and min severity (recall for zm-*, false-positive rate otherwise)');
  lines.push(`${'label'.padEnd(20)} ${SEVERITY_SYMBOLS.map((s) => s.padStart(9)).join('')}`);
  for (const row of r.byLabel) {
    if (row.vehicles === 0 || (!row.label.startsWith('zm-') && row.flagged === 0)) continue;
    const rates = SEVERITY_SYMBOLS.map((s) =>
      reports[s].byLabel
        .find((x) => x.label === row.label)!
        .flaggedRate.toFixed(4)
        .padStart(9),
    );
    lines.push(`${row.label.padEnd(20)} ${rates.join('')}`);
  }
  for (const label of ZERO_MILEAGE_LABELS) {
    const missed = combos((t) => t.label === label && !detections.has(t.vin));
    if (missed.length === 0) continue;
    lines.push('');
    lines.push(`missed ${label} (best score: rules):`);
    for (const [k, n] of missed) lines.push(`  ${String(n).padStart(6)}  ${k}`);
  }
  const fps = combos((t) => !t.isZeroMileage && detections.has(t.vin));
  if (fps.length > 0) {
    lines.push('');
    lines.push('false positives (best score: rules):');
    for (const [k, n] of fps) lines.push(`  ${String(n).padStart(6)}  ${k}`);
    const byLabel = new Map<string, number>();
    for (const t of truths)
      if (!t.isZeroMileage && detections.has(t.vin)) byLabel.set(t.label, (byLabel.get(t.label) ?? 0) + 1);
    lines.push(`  by label: ${[...byLabel].map(([l, n]) => `${l} ${n}`).join(', ')}`);
  }
  lines.push('');
  lines.push(
    `any alert (compliance findings included) against the zm-* stories: precision ${anyAlertReport.precision.toFixed(4)} recall ${anyAlertReport.recall.toFixed(4)} fp ${fmt(anyAlertReport.falsePositives)}`,
  );
  lines.push('');
  lines.push(
    ...formatTypologies(
      typologies,
      r.byLabel.filter((x) => x.vehicles > 0).map((x) => x.label),
    ),
  );
  console.log(lines.join('\n'));

  let pipeline: Awaited<ReturnType<typeof runPipelineComparison>> | undefined;
  if (args.pipeline) {
    pipeline = await runPipelineComparison({
      seed: Number(args.seed),
      vehicles: Number(args.pipeline),
      noise,
      ruleset,
    });
    console.log(formatPipelineComparison(pipeline));
  }

  const recallByLabel = Object.fromEntries(
    r.byLabel.filter((x) => x.label.startsWith('zm-')).map((x) => [x.label, round(x.flaggedRate)]),
  );
  const fpRateByLabel = Object.fromEntries(
    r.byLabel
      .filter((x) => !x.label.startsWith('zm-') && x.vehicles > 0)
      .map((x) => [x.label, round(x.flaggedRate)]),
  );
  const met =
    r.precision >= PRECISION_TARGET &&
    r.byLabel.every((x) => TARGETS[x.label] === undefined || x.flaggedRate >= TARGETS[x.label]!);
  console.log(
    JSON.stringify({
      bench: 'quality',
      seed: scenario.options.seed,
      vehicles: truths.length,
      events,
      rulesetVersion: ruleset.version,
      noise: args.noise,
      precision: round(r.precision),
      recall: round(r.recall),
      f1: round(r.f1),
      truePositives: r.truePositives,
      falsePositives: r.falsePositives,
      falseNegatives: r.falseNegatives,
      recallByLabel,
      fpRateByLabel,
      precisionAtSeverity: Object.fromEntries(SEVERITY_SYMBOLS.map((s) => [s, round(reports[s].precision)])),
      recallAtSeverity: Object.fromEntries(SEVERITY_SYMBOLS.map((s) => [s, round(reports[s].recall)])),
      recallByLabelAtSeverity: Object.fromEntries(
        SEVERITY_SYMBOLS.map((s) => [
          s,
          Object.fromEntries(
            reports[s].byLabel
              .filter((x) => x.label.startsWith('zm-'))
              .map((x) => [x.label, round(x.flaggedRate)]),
          ),
        ]),
      ),
      deadLettered: model.stats.deadLettered,
      lateRegistrations: model.stats.lateRegistrations,
      targetsMet: met,
      anyAlert: {
        precision: round(anyAlertReport.precision),
        recall: round(anyAlertReport.recall),
        falsePositives: anyAlertReport.falsePositives,
      },
      typologies,
      elapsedSeconds: round(elapsedMs / 1000),
      ...(pipeline ? { pipeline } : {}),
    }),
  );
}

function shortRule(id: string): string {
  return id.replace(/^ZM-/, '');
}
function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
