/**
 * `zmwatch backtest`: replays recorded events through the detector's pure merge and evaluator
 * (`createReplayDetector`: no Redis, no alerts produced) under a candidate ruleset and, optionally, a
 * baseline, and reports per-rule hit counts, the alerts the candidate adds and removes, and
 * precision / recall against a ground-truth file (the simulator writes one) or against decided cases
 * (confirmed = positive, dismissed = negative, from zm.case-outcomes.v1).
 */
import { createReplayDetector, loadRuleset, type DetectorEvent, type Ruleset } from '@zmwatch/detector';
import {
  createCodec,
  INPUT_TOPICS,
  readNdjson,
  TOPICS,
  validateVin,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import { readGroundTruth } from '@zmwatch/simulator';
import { str, type CommandSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { tailTopic } from '../kafka-tail.js';

export type BacktestEvent =
  | { kind: 'registration'; record: RegistrationEvent; arrival: number }
  | { kind: 'declaration'; record: CustomsDeclarationEvent; arrival: number };

export interface RulesetRun {
  version: string;
  /** Declarations whose latest evaluation fired the rule. */
  ruleHits: Record<string, number>;
  /** `VIN/declarationId` of every declaration that alerted, with its severity. */
  alerts: Map<string, string>;
  evaluations: number;
}

/** Ground truth as sets of VINs: positives and negatives (a VIN in neither is not scored). */
export interface Labels {
  source: string;
  positives: Set<string>;
  negatives: Set<string>;
}

export interface Score {
  precision: number;
  recall: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Flagged VINs that have no label (not scored). */
  unlabelledFlagged: number;
}

/** Feeds the same events to one replay detector per ruleset (one pass); events in processing order. */
export async function replayRulesets(
  events: AsyncIterable<BacktestEvent> | Iterable<BacktestEvent>,
  rulesets: readonly Ruleset[],
  onProgress?: (events: number) => void,
): Promise<RulesetRun[]> {
  const runs = rulesets.map((r) => ({
    run: { version: r.version, ruleHits: {}, alerts: new Map(), evaluations: 0 } as RulesetRun,
    latest: new Map<string, readonly string[]>(),
  }));
  const detectors = rulesets.map((ruleset, i) =>
    createReplayDetector({
      ruleset,
      onEvaluation: ({ vin, declarationId, evaluation, alerted }) => {
        const x = runs[i]!;
        const key = `${vin}/${declarationId}`;
        x.run.evaluations++;
        x.latest.set(
          key,
          evaluation.rules.map((h) => h.ruleId),
        );
        if (alerted && evaluation.severity) x.run.alerts.set(key, evaluation.severity);
      },
    }),
  );
  let n = 0;
  for await (const e of events) {
    const event: DetectorEvent =
      e.kind === 'registration'
        ? { kind: 'registration', event: e.record, arrival: e.arrival }
        : { kind: 'declaration', event: e.record, arrival: e.arrival };
    for (const d of detectors) d.accept(event);
    if (++n % 50_000 === 0) onProgress?.(n);
  }
  for (const d of detectors) d.finish();
  return runs.map(({ run, latest }) => {
    for (const rules of latest.values()) for (const r of rules) run.ruleHits[r] = (run.ruleHits[r] ?? 0) + 1;
    return run;
  });
}

/** Alerts (VIN/declaration) the candidate raises and the baseline does not, and the reverse. */
export function alertDiff(
  candidate: RulesetRun,
  baseline: RulesetRun,
): { added: string[]; removed: string[] } {
  return {
    added: [...candidate.alerts.keys()].filter((k) => !baseline.alerts.has(k)).sort(),
    removed: [...baseline.alerts.keys()].filter((k) => !candidate.alerts.has(k)).sort(),
  };
}

/** Precision and recall per VIN: flagged = at least one alert names it. */
export function scoreRun(run: RulesetRun, labels: Labels): Score {
  const flagged = new Set([...run.alerts.keys()].map((k) => k.slice(0, k.indexOf('/'))));
  let tp = 0;
  let fp = 0;
  let unlabelled = 0;
  for (const vin of flagged) {
    if (labels.positives.has(vin)) tp++;
    else if (labels.negatives.has(vin)) fp++;
    else unlabelled++;
  }
  const fn = [...labels.positives].filter((v) => !flagged.has(v)).length;
  return {
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    unlabelledFlagged: unlabelled,
  };
}

/** Labels from the simulator's ground-truth file: zero-mileage vehicles positive, all others negative. */
export async function labelsFromTruth(file: string): Promise<Labels> {
  const truth = await readGroundTruth(file);
  const labels: Labels = { source: `ground truth ${file}`, positives: new Set(), negatives: new Set() };
  for (const v of truth.vehicles) (v.isZeroMileage ? labels.positives : labels.negatives).add(v.vin);
  return labels;
}

/** Labels from decided cases: the latest decision per VIN (CONFIRMED positive, DISMISSED negative). */
export function labelsFromOutcomes(
  outcomes: Iterable<{ vin: string; decision: string; decidedAt: number }>,
  source: string,
): Labels {
  const latest = new Map<string, { decision: string; decidedAt: number }>();
  for (const o of outcomes) {
    const prev = latest.get(o.vin);
    if (!prev || o.decidedAt >= prev.decidedAt) latest.set(o.vin, o);
  }
  const labels: Labels = { source, positives: new Set(), negatives: new Set() };
  for (const [vin, o] of latest) {
    if (o.decision === 'CONFIRMED') labels.positives.add(vin);
    else if (o.decision === 'DISMISSED') labels.negatives.add(vin);
  }
  return labels;
}

const timeOf = (r: { recordedAt?: number | null; eventTime: number }): number => r.recordedAt ?? r.eventTime;

/**
 * Events of an NDJSON file in file order. The processing clock (arrival) is the record's recordedAt,
 * never moving backwards: grace periods elapse as they did when the source recorded the events.
 */
export async function* ndjsonEvents(
  file: string,
  onSkip: (reason: string) => void,
): AsyncGenerator<BacktestEvent> {
  let clock = 0;
  for await (const line of readNdjson(file)) {
    if (!line.ok) {
      onSkip(`line ${line.lineNo}: ${line.reason}`);
      continue;
    }
    if (line.topic === TOPICS.registrations) {
      clock = Math.max(clock, timeOf(line.record));
      yield { kind: 'registration', record: line.record, arrival: clock };
    } else if (line.topic === TOPICS.declarations) {
      clock = Math.max(clock, timeOf(line.record));
      yield { kind: 'declaration', record: line.record, arrival: clock };
    }
  }
}

function parseTime(name: string, raw: string | undefined): number {
  const t = raw === undefined ? NaN : Date.parse(raw);
  if (!Number.isFinite(t)) throw new UsageError(`--${name} needs an ISO time, e.g. 2026-11-01T00:00:00Z`);
  return t;
}

const pct = (x: number): string => x.toFixed(4);

export const backtestCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['backtest'],
    summary:
      'replay events through the pure merge + evaluator under a candidate ruleset (no Redis writes, no alerts): rule hits, alerts added/removed vs a baseline, precision/recall',
    usage:
      '--ruleset CANDIDATE [--baseline CURRENT] (--ndjson FILE | --from-topics --since T --until T [--topics REG,DECL]) [--truth FILE | --outcomes-topic T] [--json]',
    options: {
      ruleset: { type: 'string' },
      baseline: { type: 'string' },
      ndjson: { type: 'string' },
      truth: { type: 'string' },
      'from-topics': { type: 'boolean', default: false },
      since: { type: 'string' },
      until: { type: 'string' },
      'outcomes-topic': { type: 'string' },
      topics: { type: 'string' },
      'idle-timeout': { type: 'string' },
    },
    async run({ io, kafka, config, values, json, signal }) {
      const candidateFile = str(values, 'ruleset');
      if (!candidateFile) throw new UsageError('--ruleset CANDIDATE is required');
      const ndjson = str(values, 'ndjson');
      const fromTopics = values['from-topics'] === true;
      if (Boolean(ndjson) === fromTopics)
        throw new UsageError('give exactly one of --ndjson FILE or --from-topics');
      const baselineFile = str(values, 'baseline');
      const rulesets = [loadRuleset(candidateFile), ...(baselineFile ? [loadRuleset(baselineFile)] : [])];
      const idleMs = Number(str(values, 'idle-timeout') ?? '3') * 1000;
      let skipped = 0;
      const progress = (n: number) => io.progress(`backtest: ${n.toLocaleString('en-US')} events replayed`);

      let events: AsyncIterable<BacktestEvent> | BacktestEvent[];
      if (ndjson) {
        events = ndjsonEvents(ndjson, () => skipped++);
      } else {
        const since = parseTime('since', str(values, 'since'));
        const until = parseTime('until', str(values, 'until'));
        const codec = await createCodec();
        const read: (BacktestEvent & { ts: number })[] = [];
        const topics =
          str(values, 'topics')
            ?.split(',')
            .map((t) => t.trim()) ?? config.feedTopics;
        for (const name of topics) {
          // A topic carries the contract its name ends with (`<prefix>vehicle.registrations.v1`).
          const topic = INPUT_TOPICS.find((t) => name.endsWith(t));
          if (!topic) throw new UsageError(`--topics: ${name} is not a registrations or declarations topic`);
          await tailTopic({
            kafka: kafka(),
            topic: name,
            fromBeginning: true,
            idleMs,
            signal,
            onMessage({ message }) {
              const ts = Number(message.timestamp);
              if (ts < since || ts >= until || !message.value) return false;
              try {
                const d = codec.decodeSync(message.value, topic);
                const v = validateVin(d.record.vin);
                if (!v.ok) throw new Error(v.reason);
                const record = { ...d.record, vin: v.vin };
                read.push(
                  d.topic === TOPICS.registrations
                    ? { kind: 'registration', record: record as RegistrationEvent, arrival: ts, ts }
                    : { kind: 'declaration', record: record as CustomsDeclarationEvent, arrival: ts, ts },
                );
                if (read.length % 50_000 === 0)
                  io.progress(`backtest: ${read.length} events read from ${topic}`);
                return true;
              } catch {
                skipped++;
                return false;
              }
            },
          });
        }
        events = read.sort((a, b) => a.ts - b.ts);
      }

      const runs = await replayRulesets(events, rulesets, progress);
      io.progressDone();
      const [candidate, baseline] = runs as [RulesetRun, RulesetRun | undefined];

      const truthFile = str(values, 'truth');
      let labels: Labels | undefined;
      if (truthFile) labels = await labelsFromTruth(truthFile);
      else {
        const topic = str(values, 'outcomes-topic') ?? TOPICS.caseOutcomes;
        const codec = await createCodec();
        const outcomes: { vin: string; decision: string; decidedAt: number }[] = [];
        await tailTopic({
          kafka: kafka(),
          topic,
          fromBeginning: true,
          idleMs,
          signal,
          onMessage({ message }) {
            if (!message.value) return false;
            try {
              const o = codec.decodeSync(message.value, TOPICS.caseOutcomes).record;
              outcomes.push({ vin: o.vin, decision: o.decision, decidedAt: o.decidedAt });
              return true;
            } catch {
              return false;
            }
          },
        }).catch((err: unknown) => {
          io.err(`case outcomes not read (${(err as Error).message}): no precision/recall`);
        });
        if (outcomes.length > 0) labels = labelsFromOutcomes(outcomes, `decided cases on ${topic}`);
      }

      const report = {
        candidate: {
          version: candidate.version,
          evaluations: candidate.evaluations,
          alerts: candidate.alerts.size,
          ruleHits: candidate.ruleHits,
          ...(labels ? { score: scoreRun(candidate, labels) } : {}),
        },
        ...(baseline
          ? {
              baseline: {
                version: baseline.version,
                evaluations: baseline.evaluations,
                alerts: baseline.alerts.size,
                ruleHits: baseline.ruleHits,
                ...(labels ? { score: scoreRun(baseline, labels) } : {}),
              },
              diff: alertDiff(candidate, baseline),
            }
          : {}),
        labels: labels
          ? { source: labels.source, positives: labels.positives.size, negatives: labels.negatives.size }
          : null,
        skippedLines: skipped,
      };
      if (json) {
        io.out(JSON.stringify(report));
        return EXIT.ok;
      }
      const rules = [
        ...new Set([...Object.keys(candidate.ruleHits), ...Object.keys(baseline?.ruleHits ?? {})]),
      ].sort();
      io.out(`backtest: candidate ${candidate.version}${baseline ? ` vs baseline ${baseline.version}` : ''}`);
      io.out(`  alerts: ${candidate.alerts.size}${baseline ? ` (baseline ${baseline.alerts.size})` : ''}`);
      io.out('  rule hits (declarations whose latest evaluation fired it):');
      for (const r of rules)
        io.out(
          `    ${r.padEnd(38)} ${String(candidate.ruleHits[r] ?? 0).padStart(8)}${baseline ? `  (baseline ${baseline.ruleHits[r] ?? 0})` : ''}`,
        );
      if (report.diff) {
        const show = (xs: string[]) =>
          xs.slice(0, 10).join(', ') + (xs.length > 10 ? `, … (+${xs.length - 10})` : '');
        io.out(
          `  alerts added: ${report.diff.added.length}${report.diff.added.length ? `  ${show(report.diff.added)}` : ''}`,
        );
        io.out(
          `  alerts removed: ${report.diff.removed.length}${report.diff.removed.length ? `  ${show(report.diff.removed)}` : ''}`,
        );
      }
      if (labels) {
        io.out(
          `  against ${labels.source} (${labels.positives.size} positive, ${labels.negatives.size} negative VINs):`,
        );
        const scored: [string, RulesetRun][] = [['candidate', candidate]];
        if (baseline) scored.push(['baseline', baseline]);
        for (const [name, run] of scored) {
          const s = scoreRun(run, labels);
          io.out(
            `    ${name.padEnd(9)} precision ${pct(s.precision)} recall ${pct(s.recall)} (TP ${s.truePositives}, FP ${s.falsePositives}, FN ${s.falseNegatives}, flagged without a label ${s.unlabelledFlagged})`,
          );
        }
      } else io.out('  no labels: pass --truth FILE, or decide cases (zm.case-outcomes.v1)');
      if (skipped > 0) io.out(`  ${skipped} lines or records skipped (not decodable or invalid VIN)`);
      return EXIT.ok;
    },
  },
];
