/**
 * The detector's decisions replayed in memory: the pure merge, the evaluator and the entity windows,
 * without Redis or Kafka (nothing is written, no alert is produced). The quality bench scores
 * simulated streams with it and `zmwatch backtest` compares rulesets on recorded events.
 *
 * The glue the pipeline does in processor.ts, redis-store.ts and sweeper.ts is mirrored here:
 *   - registrant velocity: a count per (registrant, day), summed over days within windowDays of the
 *     registration day, the registration being processed counted too;
 *   - the sweeper: a VIN whose declaration still waits for a registration is re-processed with no
 *     events once its grace deadline passes, so it is evaluated without one;
 *   - expiry: a state whose expireAt has passed reads as absent (as once swept);
 *   - entity windows (entity-windows.ts; entity-store.ts in Redis): each VIN's membership follows
 *     its state, in the same bounds, and the reach-back — a change that moves another member's
 *     count across a threshold re-evaluates that member at once (the pipeline sends it a request) —
 *     so every declaration ends where the windows over all events put it.
 * Events are processed one at a time in arrival order; the processing clock is the arrival time
 * given with each event.
 */
import { validateVin } from '@zmwatch/schemas';
import { mergeEvents, recordVerdict, type DetectorEvent } from './apply-events.js';
import { dueForRechecks } from './entity-recheck.js';
import { rechecksOf, windowUpdatesOf, type EntityRecheck } from './entity-step.js';
import { updateInMemory } from './entity-store.js';
import { entityCountsOf, type EntityCounts, type EntityWindow } from './entity-windows.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { dayOf } from './keys.js';
import type { Ruleset } from './ruleset.js';
import { packState, unpackState, type OpenDeclaration, type VinState } from './vin-state.js';
import type { MergedVin } from './vin-work.js';

export interface ReplayEvaluation {
  readonly vin: string;
  readonly declarationId: string;
  readonly evaluation: Evaluation;
  /** True when this evaluation raised the declaration's alert (first time it reached the threshold). */
  readonly alerted: boolean;
  /** Processing time (ms). */
  readonly at: number;
}

export interface ReplayStats {
  events: number;
  evaluations: number;
  alerts: number;
  lateRegistrations: number;
  graceEvaluations: number;
  /** Re-evaluations the reach-back caused. */
  entityRechecks: number;
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

export interface ReplayDetector {
  readonly stats: ReplayStats;
  /** One decoded event with a valid, normalised VIN; `event.arrival` is the processing time (ms). */
  accept(event: DetectorEvent): void;
  /** Lets every pending grace period run out (end of stream). */
  finish(): void;
  trackedVins(): number;
}

export function createReplayDetector(opts: {
  ruleset: Ruleset;
  /** Every evaluation, alerting or not. */
  onEvaluation: (e: ReplayEvaluation) => void;
}): ReplayDetector {
  const { ruleset } = opts;
  const grace = ruleset.timing.gracePeriodSeconds;
  const windowDays = ruleset.rules.registrantVelocity.windowDays;
  const entityCfg = ruleset.entitySignals;
  const states = new Map<string, string>();
  const velocity = new Map<string, number>();
  const entities = new Map<string, EntityWindow>();
  const deadlines = new Deadlines();
  const stats: ReplayStats = {
    events: 0,
    evaluations: 0,
    alerts: 0,
    lateRegistrations: 0,
    graceEvaluations: 0,
    entityRechecks: 0,
  };

  const velocityOf = (registrantId: string, day: number): number => {
    let n = 0;
    for (let d = day - windowDays + 1; d <= day + windowDays - 1; d++)
      n += velocity.get(`${d}:${registrantId}`) ?? 0;
    return n;
  };

  /** The batch step of entity-step.ts on one VIN, in memory: its counts and the rechecks it causes. */
  const updateEntitiesOf = (
    merged: MergedVin,
  ): { of: (decl: OpenDeclaration) => EntityCounts | undefined; rechecks: EntityRecheck[] } => {
    if (!entityCfg) return { of: () => undefined, rechecks: [] };
    const { updates, byDecl, evaluated } = windowUpdatesOf([merged], entityCfg);
    const { windows, recheck } = updateInMemory(entities, updates, entityCfg);
    return {
      of: (decl) => {
        const obs = byDecl.get(`${merged.work.vin}/${decl.declarationId}`);
        return obs ? entityCountsOf(obs, (k) => windows.get(k), entityCfg) : undefined;
      },
      rechecks: rechecksOf(updates, windows, recheck, evaluated, entityCfg.maxEntries),
    };
  };

  function processVin(vin: string, events: DetectorEvent[], nowMs: number, entityRecheck = false): void {
    const nowS = Math.floor(nowMs / 1000);
    const packed = states.get(vin);
    let previous: VinState | undefined = packed === undefined ? undefined : unpackState(packed);
    if (previous && previous.expireAt <= nowS) previous = undefined;
    const result = mergeEvents(previous, events, ruleset, nowS);
    const merged: MergedVin = {
      work: entityRecheck ? { vin, events, entityRecheck: true } : { vin, events },
      before: previous ? packed : undefined,
      result,
    };
    dueForRechecks([merged]);
    const entityStep = updateEntitiesOf(merged);
    for (const n of result.notes) if (n.kind === 'late-registration') stats.lateRegistrations++;
    const first = result.newFirstRegistration;
    if (first) {
      const k = `${dayOf(first.time)}:${first.partyId}`;
      velocity.set(k, (velocity.get(k) ?? 0) + 1);
    }
    const { state, due } = result;
    if (due.length > 0) {
      const reg = state.registration;
      const v = validateVin(vin);
      const subject = {
        vin,
        vinCheckDigitValid: v.ok ? v.checkDigitValid : false,
        state,
        registrantVelocity: reg ? velocityOf(reg.partyId, dayOf(reg.time)) : null,
      };
      if (!reg && events.length === 0) stats.graceEvaluations += due.length;
      for (const decl of due) {
        stats.evaluations++;
        const entityCounts = entityStep.of(decl);
        const evaluation = evaluate(entityCounts ? { ...subject, entityCounts } : subject, decl, ruleset);
        const already = decl.status === 'alerted' && decl.alertedVersion === ruleset.version;
        const alerted = evaluation.alert && !already && evaluation.severity !== null;
        if (alerted) stats.alerts++;
        opts.onEvaluation({ vin, declarationId: decl.declarationId, evaluation, alerted, at: nowMs });
        recordVerdict(state, decl.declarationId, evaluation.alert || already, ruleset.version);
      }
    }
    if (state.expireAt <= nowS) states.delete(vin);
    else states.set(vin, packState(state, grace));
    // The reach-back: members whose count this VIN's change moved across a threshold, at once.
    for (const r of entityStep.rechecks) {
      stats.entityRechecks++;
      processVin(r.vin, [], nowMs, true);
    }
    // What the sweeper would find: declarations still waiting for a registration.
    if (!state.registration) {
      for (const d of state.declarations) {
        if (d.status === 'pending') deadlines.push(d.firstSeenAt + grace, vin);
      }
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
    accept(event) {
      advanceTo(event.arrival);
      stats.events++;
      processVin(event.event.vin, [event], event.arrival);
    },
    finish() {
      advanceTo(Number.MAX_SAFE_INTEGER);
    },
    trackedVins: () => states.size,
  };
}
