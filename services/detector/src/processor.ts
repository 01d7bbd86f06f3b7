import type { Alert } from '@zmwatch/schemas';
import { validateVin } from '@zmwatch/schemas';
import type { Logger } from '@zmwatch/kit';
import { RetriableError } from '@zmwatch/kit';
import { buildAlert } from './alert.js';
import { mergeEvents, recordVerdict, type DetectorEvent, type MergeResult } from './apply-events.js';
import { evaluate } from './evaluate.js';
import { dayOf } from './keys.js';
import type { DetectorMetrics } from './metrics.js';
import type { StateStore, StateWrite, VelocityQuery } from './redis-store.js';
import type { Ruleset } from './ruleset.js';
import { packState, StateFormatError, unpackState, type VinState } from './vin-state.js';

export interface ProcessorDeps {
  store: StateStore;
  ruleset: Ruleset;
  /** Produce alerts and resolve once the broker acknowledged all of them (acks=all). */
  publish(alerts: Alert[]): Promise<void>;
  logger: Logger;
  metrics: DetectorMetrics;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
  /** How many recently produced alert ids to remember (see EmittedCache). */
  emittedCacheSize?: number;
}

export interface VinWork {
  vin: string;
  /** Events for this VIN in offset order; empty for a sweeper re-check of pending declarations. */
  events: DetectorEvent[];
}

export interface ProcessResult {
  alerts: Alert[];
  roundTrips: number;
}

/**
 * Alert ids this process has already seen acknowledged. When a batch fails after its alerts were
 * acked (Redis went away before the "alerted" marks were written) and is retried by the same
 * process, the retry does not produce them again. Across processes (crash, rebalance) the marks in
 * Redis are the only memory, which leaves the one window documented in the README.
 */
class EmittedCache {
  private readonly ids = new Set<string>();
  constructor(private readonly max: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value!);
  }
}

/** Thrown when another writer changed a VIN between our read and our write; the batch is retried. */
export class StateConflictError extends RetriableError {
  override readonly name = 'StateConflictError';
}

/**
 * The detector's batch pipeline for one partition, a handful of Redis round trips whatever the batch size:
 *   1. read the packed state of every VIN in the batch (from the partition's cached buckets, the
 *      others in one pipeline);
 *   2. merge the events and find the declarations due for evaluation (pure);
 *   3. only if some are due: read registrant velocity counters (one pipeline);
 *   4. evaluate (pure) and produce the alerts, awaiting acks;
 *   5. write every changed state bucket and the velocity increments with one all-or-nothing
 *      compare-and-set Lua call.
 * The caller resolves Kafka offsets only after this resolves, so a crash anywhere replays the batch;
 * merges are idempotent and a declaration marked alerted is never alerted again.
 */
export function createProcessor(deps: ProcessorDeps) {
  const { store, ruleset, logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const emitted = new EmittedCache(deps.emittedCacheSize ?? 200_000);
  const windowDays = ruleset.rules.registrantVelocity.windowDays;

  async function process(partition: number, work: readonly VinWork[]): Promise<ProcessResult> {
    let roundTrips = 0;
    const vins = work.map((w) => w.vin);
    let mark = performance.now();
    const step = (name: string) => {
      const t = performance.now();
      metrics.stepSeconds.inc({ step: name }, (t - mark) / 1000);
      mark = t;
    };
    // Registrants whose counters this batch may increment (first registrations), read with the states.
    const registrants = new Set<string>();
    for (const w of work)
      for (const e of w.events)
        if (e.kind === 'registration' && e.event.eventType === 'FIRST_REGISTRATION')
          registrants.add(e.event.party.id);
    const view = await store.read(partition, vins, registrants);
    const raw = view.states;
    step('read');
    roundTrips += view.roundTrips;
    const nowMs = now();
    const nowS = Math.floor(nowMs / 1000);

    const merged: Array<{
      work: VinWork;
      before: string | undefined;
      result: MergeResult;
    }> = [];
    work.forEach((w, i) => {
      const before = raw[i];
      let previous: VinState | undefined;
      if (before !== undefined) {
        try {
          previous = unpackState(before);
        } catch (err) {
          if (!(err instanceof StateFormatError)) throw err;
          // Unreadable state can never become readable: start the VIN afresh rather than block the partition.
          logger.error({ vin: w.vin, err: err.message }, 'unreadable VIN state replaced');
        }
      }
      const result = mergeEvents(previous, w.events, ruleset, nowS);
      if (logger.isLevelEnabled('debug')) {
        logger.debug(
          {
            vin: w.vin,
            events: w.events.map((e) => [e.event.eventType, e.event.eventTime, e.source?.offset]),
            before,
            due: result.due.map((d) => d.declarationId),
          },
          'merged',
        );
      }
      merged.push({ work: w, before, result });
      for (const note of result.notes) {
        const src = w.events.find((e) => e.event.eventId === note.eventId)?.source;
        const fields = { vin: w.vin, ...src, ...note };
        if (note.kind === 'late-registration' || note.kind === 'stale-declaration') {
          metrics.lateEvents.inc({ kind: note.kind });
          logger.warn(
            fields,
            note.kind === 'late-registration'
              ? 'registration arrived after the grace period'
              : 'older declaration version ignored',
          );
        } else {
          metrics.notes.inc({ kind: note.kind });
          logger.info(fields, `merge: ${note.kind}`);
        }
      }
    });

    step('merge');
    // Registrant velocity, only for evaluations that have a registration to count from.
    const queries: VelocityQuery[] = [];
    const queryIndex = new Map<string, number>();
    const keyOf = (q: VelocityQuery) => `${q.day}:${q.registrantId}`;
    for (const m of merged) {
      const reg = m.result.state.registration;
      if (m.result.due.length === 0 || !reg) continue;
      const q = { registrantId: reg.partyId, day: dayOf(reg.time) };
      if (!queryIndex.has(keyOf(q))) {
        queryIndex.set(keyOf(q), queries.length);
        queries.push(q);
      }
    }
    const increments: VelocityQuery[] = merged.flatMap((m) =>
      m.result.newFirstRegistration
        ? [
            {
              registrantId: m.result.newFirstRegistration.partyId,
              day: dayOf(m.result.newFirstRegistration.time),
            },
          ]
        : [],
    );
    let counts: number[] = [];
    if (queries.length > 0) {
      counts = await store.velocity(view, queries, windowDays);
      roundTrips++;
      // This batch's own new registrations are not in Redis yet (they are written in step 5). Indexed
      // by registrant: a batch can hold thousands of both, and comparing every pair was quadratic.
      const incDays = new Map<string, number[]>();
      for (const inc of increments) {
        const days = incDays.get(inc.registrantId);
        if (days) days.push(inc.day);
        else incDays.set(inc.registrantId, [inc.day]);
      }
      queries.forEach((q, i) => {
        for (const day of incDays.get(q.registrantId) ?? []) {
          if (Math.abs(day - q.day) < windowDays) counts[i]! += 1;
        }
      });
    }

    step('velocity');
    // Evaluate, then produce what alerts (awaiting acks) before anything is marked.
    const alerts: Alert[] = [];
    const alertWork: VinWork[] = [];
    const verdicts: Array<{ m: (typeof merged)[number]; declarationId: string; alerted: boolean }> = [];
    const arrivals: number[] = [];
    for (const m of merged) {
      const { state, due } = m.result;
      if (due.length === 0) continue;
      const reg = state.registration;
      const qi = reg ? queryIndex.get(keyOf({ registrantId: reg.partyId, day: dayOf(reg.time) })) : undefined;
      // Only VINs with something to evaluate pay for the check-digit computation.
      const v = validateVin(m.work.vin);
      const subject = {
        vin: m.work.vin,
        vinCheckDigitValid: v.ok ? v.checkDigitValid : false,
        state,
        registrantVelocity: qi === undefined ? null : (counts[qi] ?? 0),
      };
      for (const decl of due) {
        const ev = evaluate(subject, decl, ruleset);
        const already = decl.status === 'alerted' && decl.alertedVersion === ruleset.version;
        if (!ev.alert || already) {
          metrics.evaluations.inc({ outcome: already ? 'already-alerted' : 'below-threshold' });
          verdicts.push({ m, declarationId: decl.declarationId, alerted: already });
          continue;
        }
        const alert = buildAlert(m.work.vin, state, decl, ev, ruleset.version, nowMs);
        verdicts.push({ m, declarationId: decl.declarationId, alerted: true });
        metrics.evaluations.inc({ outcome: 'alert' });
        if (emitted.has(alert.alertId)) continue;
        alerts.push(alert);
        alertWork.push(m.work);
        const arrival = Math.max(0, ...m.work.events.map((e) => e.arrival));
        if (arrival > 0) arrivals.push(arrival);
      }
    }
    step('evaluate');
    if (alerts.length > 0) {
      await deps.publish(alerts);
      const ackedAt = now();
      for (const a of alerts) {
        emitted.add(a.alertId);
        metrics.alerts.inc({ severity: a.severity });
        for (const r of a.rules) metrics.ruleHits.inc({ rule: r.ruleId });
      }
      for (const arrival of arrivals) metrics.detectionLatency.observe(Math.max(0, ackedAt - arrival) / 1000);
    }

    step('publish');
    for (const v of verdicts) recordVerdict(v.m.result.state, v.declarationId, v.alerted, ruleset.version);
    const writes: StateWrite[] = [];
    for (const m of merged) {
      const next =
        m.result.state.expireAt <= nowS ? '' : packState(m.result.state, ruleset.timing.gracePeriodSeconds);
      if (next !== (m.before ?? '')) writes.push({ vin: m.work.vin, expected: m.before ?? '', next });
    }
    step('pack');
    const lost = await store.write(view, writes, increments);
    step('write');
    if (writes.length > 0 || increments.length > 0) roundTrips++;
    if (lost.length > 0) {
      metrics.casConflicts.inc(lost.length);
      throw new StateConflictError(
        `state of ${lost.length} VIN(s) changed concurrently (e.g. ${lost[0]}); retrying the batch`,
      );
    }
    metrics.redisRoundTrips.inc(roundTrips);

    if (logger.isLevelEnabled('info'))
      alerts.forEach((a, i) => {
        const src = alertWork[i]!.events.at(-1)?.source;
        logger.info(
          {
            vin: a.vin,
            ...src,
            alertId: a.alertId,
            declarationId: a.declarationId,
            severity: a.severity,
            score: a.score,
            rules: a.rules.map((r) => r.ruleId),
          },
          'alert produced',
        );
      });
    return { alerts, roundTrips };
  }

  return {
    process,
    /** Group decoded events by VIN, keeping offset order within each VIN. */
    group(events: readonly DetectorEvent[]): VinWork[] {
      const byVin = new Map<string, DetectorEvent[]>();
      for (const e of events) {
        const list = byVin.get(e.event.vin);
        if (list) list.push(e);
        else byVin.set(e.event.vin, [e]);
      }
      return [...byVin].map(([vin, evs]) => ({ vin, events: evs }));
    },
  };
}

export type Processor = ReturnType<typeof createProcessor>;
