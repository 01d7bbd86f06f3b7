// The detector's decision logic run in memory, for scoring millions of simulated events in seconds.
//
// The replay itself is the detector's (`createReplayDetector`, services/detector/src/replay.ts: the
// pure merge, evaluator, velocity, grace re-checks, expiry and entity windows, as the pipeline does
// them). What this file adds is what the detector's consumer does before that: the codec encode and
// decode of every simulated record and the VIN check (junk is dead-lettered), plus the bench's view of
// alerts and evaluations.
import { createReplayDetector, type DetectorEvent, type Ruleset } from '@zmwatch/detector';
import { validateVin, type Codec, type Severity, type TypologyVerdict } from '@zmwatch/schemas';
import type { SimEvent } from '@zmwatch/simulator';

export interface ModelAlert {
  readonly vin: string;
  readonly declarationId: string;
  readonly severity: Severity;
  readonly score: number;
  readonly rules: readonly string[];
  readonly typologies: readonly TypologyVerdict[];
  /** Simulated processing time (ms) at which the alert was raised. */
  readonly at: number;
}

export interface ModelStats {
  events: number;
  deadLettered: number;
  evaluations: number;
  alerts: number;
  lateRegistrations: number;
  graceEvaluations: number;
}

export interface ModelEvaluation {
  readonly vin: string;
  readonly declarationId: string;
  readonly score: number;
  readonly alert: boolean;
  readonly rules: readonly string[];
  readonly typologies: readonly TypologyVerdict[];
}

export function createInMemoryDetector(opts: {
  ruleset: Ruleset;
  codec: Codec;
  startTime: number;
  onAlert: (a: ModelAlert) => void;
  /** Every evaluation, alerting or not (for explaining misses). */
  onEvaluation?: (e: ModelEvaluation) => void;
}) {
  const { codec, onAlert } = opts;
  let deadLettered = 0;
  const replay = createReplayDetector({
    ruleset: opts.ruleset,
    onEvaluation: ({ vin, declarationId, evaluation: ev, alerted, at }) => {
      const rules = ev.rules.map((r) => r.ruleId);
      const typologies = ev.typologies;
      opts.onEvaluation?.({ vin, declarationId, score: ev.score, alert: ev.alert, rules, typologies });
      if (alerted && ev.severity)
        onAlert({ vin, declarationId, severity: ev.severity, score: ev.score, rules, typologies, at });
    },
  });
  const stats: ModelStats = {
    get events() {
      return replay.stats.events + deadLettered;
    },
    get deadLettered() {
      return deadLettered;
    },
    get evaluations() {
      return replay.stats.evaluations;
    },
    get alerts() {
      return replay.stats.alerts;
    },
    get lateRegistrations() {
      return replay.stats.lateRegistrations;
    },
    get graceEvaluations() {
      return replay.stats.graceEvaluations;
    },
  } as ModelStats;

  return {
    stats,
    /** One record as the detector's consumer would see it (encoded and decoded with the codec). */
    accept(e: SimEvent): void {
      const arrival = opts.startTime + e.arrivalOffsetMs;
      const bytes = e.value === null ? e.bytes : codec.encode(e.topic, e.value as never);
      let event: DetectorEvent;
      try {
        const decoded = codec.decodeSync(bytes, e.topic);
        const v = validateVin(decoded.record.vin);
        if (!v.ok) throw new Error(v.reason);
        event =
          decoded.topic === 'vehicle.registrations.v1'
            ? { kind: 'registration', event: { ...decoded.record, vin: v.vin }, arrival }
            : { kind: 'declaration', event: { ...decoded.record, vin: v.vin }, arrival };
      } catch {
        deadLettered++;
        return;
      }
      replay.accept(event);
    },
    /** Lets every pending grace period run out (end of stream). */
    finish: () => replay.finish(),
    trackedVins: () => replay.trackedVins(),
  };
}
