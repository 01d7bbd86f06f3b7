// The detector's decision logic run in memory, for scoring millions of simulated events in seconds.
//
// It is the detector's own code wherever the detector exports it: the codec decode and VIN check the
// decoder does, `mergeEvents` (either-order matching, grace, cancellations, amendments, duplicates),
// `evaluate` (every rule and weight from the ruleset file), `recordVerdict`, and `packState` /
// `unpackState` (each VIN's state round-trips through the packed Redis form after every step, so
// packing precision is part of the result). What is re-implemented here, mirroring
// services/detector/src/processor.ts, redis-store.ts and sweeper.ts (not exported), is the glue:
//   - registrant velocity: a count per (registrant, day), summed over days within windowDays of the
//     registration day, the registration being processed counted too;
//   - the sweeper: a VIN whose declaration is still pending (no registration) is re-processed with no
//     events once its grace deadline passes, so it is evaluated without one;
//   - expiry: a state whose expireAt has passed reads as absent (as once swept).
// Differences from the Kafka pipeline: events are processed one at a time in arrival order (the
// pipeline groups a Kafka batch per VIN), and the processing clock is the simulated arrival time (the
// pipeline uses the broker timestamp), so grace periods elapse in simulated time.
import {
  decideVerdicts,
  DEFAULT_REVISION_MIN_INTERVAL_SECONDS,
  mergeEvents,
  packState,
  recordVerdict,
  unpackState,
  type DetectorEvent,
  type RevisionPolicy,
  type Ruleset,
  type VinState,
} from '@zmwatch/detector';
import { validateVin, type AlertStatus, type Codec, type Severity } from '@zmwatch/schemas';
import type { SimEvent } from '@zmwatch/simulator';

const DAY_MS = 86_400_000;
const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

export interface ModelAlert {
  readonly alertId: string;
  /** 0 = the first alert; later revisions have the same alertId. */
  readonly revision: number;
  readonly status: AlertStatus;
  readonly vin: string;
  readonly declarationId: string;
  readonly severity: Severity;
  readonly score: number;
  readonly rules: readonly string[];
  /** Simulated processing time (ms) at which the alert was raised. */
  readonly at: number;
}

export interface ModelStats {
  events: number;
  deadLettered: number;
  evaluations: number;
  alerts: number;
  /** Published revisions >= 1. */
  revisions: number;
  lateRegistrations: number;
  graceEvaluations: number;
}

/** Min-heap of (deadline seconds, VIN) for grace re-checks. */
class Deadlines {
  private readonly h: [number, string][] = [];
  get size(): number {
    return this.h.length;
  }
  peek(): number | undefined {
    return this.h[0]?.[0];
  }
  push(t: number, vin: string): void {
    const h = this.h;
    h.push([t, vin]);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]![0] <= h[i]![0]) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }
  pop(): [number, string] | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]![0] < h[m]![0]) m = l;
        if (r < h.length && h[r]![0] < h[m]![0]) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}

export interface ModelEvaluation {
  readonly vin: string;
  readonly declarationId: string;
  readonly score: number;
  readonly alert: boolean;
  readonly rules: readonly string[];
}

export function createInMemoryDetector(opts: {
  ruleset: Ruleset;
  codec: Codec;
  startTime: number;
  /** Rate limit of revisions, in simulated time; default the detector's. */
  revisions?: RevisionPolicy;
  /** Every published revision (revision 0 = the first alert). */
  onAlert: (a: ModelAlert) => void;
  /** Every evaluation, alerting or not (for explaining misses). */
  onEvaluation?: (e: ModelEvaluation) => void;
}) {
  const { ruleset, codec, onAlert } = opts;
  const policy = opts.revisions ?? { minIntervalSeconds: DEFAULT_REVISION_MIN_INTERVAL_SECONDS };
  const grace = ruleset.timing.gracePeriodSeconds;
  const windowDays = ruleset.rules.registrantVelocity.windowDays;
  const states = new Map<string, string>();
  const velocity = new Map<string, number>();
  const deadlines = new Deadlines();
  const stats: ModelStats = {
    events: 0,
    deadLettered: 0,
    evaluations: 0,
    alerts: 0,
    revisions: 0,
    lateRegistrations: 0,
    graceEvaluations: 0,
  };

  const velocityOf = (registrantId: string, day: number): number => {
    let n = 0;
    for (let d = day - windowDays + 1; d <= day + windowDays - 1; d++)
      n += velocity.get(`${d}:${registrantId}`) ?? 0;
    return n;
  };

  function processVin(vin: string, events: DetectorEvent[], nowMs: number): void {
    const nowS = Math.floor(nowMs / 1000);
    const packed = states.get(vin);
    let previous: VinState | undefined = packed === undefined ? undefined : unpackState(packed);
    if (previous && previous.expireAt <= nowS) previous = undefined;
    const result = mergeEvents(previous, events, ruleset, nowS);
    for (const n of result.notes) if (n.kind === 'late-registration') stats.lateRegistrations++;
    const first = result.newFirstRegistration;
    if (first) {
      const k = `${dayOf(first.time)}:${first.partyId}`;
      velocity.set(k, (velocity.get(k) ?? 0) + 1);
    }
    const { state, due, withdrawals } = result;
    if (due.length > 0 || withdrawals.length > 0) {
      const reg = state.registration;
      const v = validateVin(vin);
      const subject = {
        vin,
        vinCheckDigitValid: v.ok ? v.checkDigitValid : false,
        state,
        registrantVelocity: reg ? velocityOf(reg.partyId, dayOf(reg.time)) : null,
      };
      if (!reg && events.length === 0) stats.graceEvaluations += due.length;
      for (const o of decideVerdicts(subject, result, ruleset, policy, nowMs)) {
        stats.evaluations++;
        const ev = o.evaluation;
        opts.onEvaluation?.({
          vin,
          declarationId: o.declarationId,
          score: ev.score,
          alert: ev.alert,
          rules: ev.rules.map((r) => r.ruleId),
        });
        const a = o.alert;
        if (a) {
          if (a.revision === 0) stats.alerts++;
          else stats.revisions++;
          onAlert({
            alertId: a.alertId,
            revision: a.revision,
            status: a.status,
            vin,
            declarationId: o.declarationId,
            severity: a.severity,
            score: a.score,
            rules: a.rules.map((r) => r.ruleId),
            at: nowMs,
          });
        }
        recordVerdict(state, o.declarationId, o.alerted, ruleset.version, o.published);
      }
    }
    if (state.expireAt <= nowS) states.delete(vin);
    else states.set(vin, packState(state, grace));
    // What the sweeper would find: declarations still waiting for a registration, re-checks,
    // revisions held back by the rate limit.
    for (const d of state.declarations) {
      if (d.status === 'pending' && !state.registration) deadlines.push(d.firstSeenAt + grace, vin);
      if (d.status === 'cancelled') continue;
      if (d.recheckAt !== undefined) deadlines.push(d.recheckAt, vin);
      if (d.status === 'alerted' && d.published?.revisionDueAt !== undefined)
        deadlines.push(d.published.revisionDueAt, vin);
    }
  }

  /** Runs the grace re-checks whose deadline is at or before `nowMs`. */
  function advanceTo(nowMs: number): void {
    const nowS = Math.floor(nowMs / 1000);
    while (deadlines.size > 0 && deadlines.peek()! <= nowS) {
      const [t, vin] = deadlines.pop()!;
      processVin(vin, [], t * 1000);
    }
  }

  return {
    stats,
    /** One record as the detector's consumer would see it (encoded and decoded with the codec). */
    accept(e: SimEvent): void {
      const arrival = opts.startTime + e.arrivalOffsetMs;
      advanceTo(arrival);
      stats.events++;
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
        stats.deadLettered++;
        return;
      }
      processVin(event.event.vin, [event], arrival);
    },
    /** Lets every pending grace period run out (end of stream). */
    finish(): void {
      advanceTo(Number.MAX_SAFE_INTEGER);
    },
    trackedVins: () => states.size,
  };
}
