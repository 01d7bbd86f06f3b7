import type { Alert } from '@zmwatch/schemas';
import type { Logger } from '@zmwatch/kit';
import { EmittedCache } from './emitted-cache.js';
import { dueForRechecks } from './entity-recheck.js';
import { updateEntities, type EntityRecheck } from './entity-step.js';
import type { EntityStore } from './entity-store.js';
import { evaluateBatch } from './evaluate-batch.js';
import { mergeBatch } from './merge-batch.js';
import type { DetectorMetrics } from './metrics.js';
import { logAlerts, publishAlerts } from './publish-alerts.js';
import { readStates } from './read-states.js';
import type { StateStore } from './redis-store.js';
import { readVelocity, velocityIncrements } from './registrant-velocity.js';
import type { RevisionPolicy } from './revision.js';
import type { Ruleset } from './ruleset.js';
import { createStepTimer } from './step-timer.js';
import { groupByVin, type VinWork } from './vin-work.js';
import { planStateWrites, rejectConflicts } from './write-states.js';

export interface ProcessorDeps {
  store: StateStore;
  /**
   * Entity windows (entity-store.ts) and the producer of the reach-back's re-evaluation requests
   * (entity-recheck.ts); absent, or a ruleset without entitySignals: none.
   */
  entities?: {
    store: EntityStore;
    /** Resolve once Kafka acknowledged every request. */
    requestRechecks(rechecks: readonly EntityRecheck[]): Promise<void>;
  };
  ruleset: Ruleset;
  /** Rate limit of one alert's revisions. */
  revisions: RevisionPolicy;
  /** Produce alerts and resolve once the broker acknowledged all of them (acks=all). */
  publish(alerts: Alert[]): Promise<void>;
  logger: Logger;
  metrics: DetectorMetrics;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
  /** How many recently produced alert ids to remember (see EmittedCache). */
  emittedCacheSize?: number;
}

export interface ProcessResult {
  alerts: Alert[];
  roundTrips: number;
}

/**
 * The detector's batch pipeline for one partition, a handful of Redis round trips whatever the batch
 * size. Each step is a function of its own file; `process` only runs them in order and times them
 * (`zm_detector_step_seconds_total{step}`). The caller resolves Kafka offsets only after it
 * resolves, so a crash anywhere replays the batch; merges are idempotent and a declaration marked
 * alerted is never alerted again.
 */
export function createProcessor(deps: ProcessorDeps) {
  const { store, ruleset, logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const emitted = new EmittedCache(deps.emittedCacheSize ?? 200_000);
  const windowDays = ruleset.rules.registrantVelocity.windowDays;

  async function process(partition: number, work: readonly VinWork[]): Promise<ProcessResult> {
    const step = createStepTimer(metrics);
    // 1. the packed states and the velocity buckets the batch may write (cached, or one round trip)
    const view = await readStates(store, partition, work);
    step('read');
    const nowMs = now();
    const nowS = Math.floor(nowMs / 1000);
    // 2. unpack, merge the events, find the declarations due (pure)
    const merged = mergeBatch(work, view.states, nowS, { ruleset, logger, metrics });
    dueForRechecks(merged);
    step('merge');
    // 3. registrant velocity, only if something is due (one round trip)
    const increments = velocityIncrements(merged);
    const velocity = await readVelocity(store, view, merged, increments, windowDays);
    step('velocity');
    // 3b. entity windows: memberships the batch changes, and those its due declarations read (one round trip)
    const entities = await updateEntities(deps.entities?.store, merged, ruleset);
    step('entities');
    // 4. evaluate and build the alerts (pure)
    const evaluation = evaluateBatch(
      merged,
      velocity,
      ruleset,
      deps.revisions,
      nowMs,
      emitted,
      metrics,
      entities,
    );
    step('evaluate');
    // 5. produce the alerts and await their acks, before anything is marked
    await publishAlerts(evaluation, deps.publish, emitted, metrics, now);
    // 5b. the reach-back: re-evaluation requests for members of other batches whose count crossed a
    // threshold, acknowledged before the offsets commit; then they leave the outboxes (one round trip)
    if (deps.entities && entities.rechecks.length > 0) {
      await deps.entities.requestRechecks(entities.rechecks);
      metrics.entityRechecks.inc(entities.rechecks.length);
    }
    if (deps.entities && entities.outbox.size > 0) await deps.entities.store.confirm(entities.outbox);
    step('publish');
    // 6. record the verdicts and pack the changed states (pure)
    const writes = planStateWrites(merged, evaluation.verdicts, ruleset, nowS);
    step('pack');
    // 7. one all-or-nothing compare-and-set of the states and velocity increments (one round trip)
    const lost = await store.write(view, writes, increments);
    step('write');
    rejectConflicts(lost, metrics);
    const roundTrips =
      view.roundTrips +
      velocity.roundTrips +
      entities.roundTrips +
      (entities.outbox.size > 0 ? 1 : 0) +
      (writes.length > 0 || increments.length > 0 ? 1 : 0);
    metrics.redisRoundTrips.inc(roundTrips);
    logAlerts(evaluation, logger);
    return { alerts: evaluation.alerts, roundTrips };
  }

  return {
    process,
    /** Group decoded events by VIN, keeping offset order within each VIN. */
    group: groupByVin,
  };
}

export type Processor = ReturnType<typeof createProcessor>;
