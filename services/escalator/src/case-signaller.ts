import type { Connection } from '@temporalio/client';
import { errorMessage, RetriableError, type Decoded, type Logger } from '@zmwatch/kit';
import type { Alert } from '@zmwatch/schemas';
import {
  alertRevision,
  alertStatus,
  isSafeFilterValue,
  ringCaseIdFor,
  ringsReached,
  type CaseClient,
  type CaseConfig,
  type RingThresholds,
} from '@zmwatch/workflows';
import type { EscalatorMetrics } from './metrics.js';
import { coalesceRevisions, type SignalledRevisions } from './revision-coalescing.js';

export interface CaseSignallerOptions {
  cases: CaseClient;
  connection: Connection;
  caseConfig: CaseConfig;
  callTimeoutMs: number;
  concurrency: number;
  /** Member count at which an entity opens a ring case, per kind (ring-case.ts); empty: none. */
  ringThresholds?: RingThresholds;
  metrics: EscalatorMetrics;
  logger: Logger;
  /** What this escalator signalled per alert id: superseded, duplicate and unchanged records are skipped. */
  signalled: SignalledRevisions;
  /** False: every record is signalled (the escalator before coalescing; for comparisons). Default true. */
  coalesce?: boolean;
  /** Called after each successful call (readiness, benchmark hooks). */
  onSignalled?(alert: Alert, result: { started: boolean; runId: string }): void;
}

/**
 * Signal-with-start for a batch of alerts. First the batch is coalesced (revision-coalescing.ts): per
 * alert id only its highest revision is signalled, and nothing this escalator already signalled or
 * that would change nothing the case shows. One VIN's alerts go in offset order (its case sees them in
 * the order the detector raised them); different VINs go in parallel. A revision (same alertId,
 * higher `revision`, possibly WITHDRAWN) reaches the case its first revision opened: the workflow id
 * is the VIN's. Any failure fails the whole batch as retriable: kit retries it uncommitted, and the
 * alerts already signalled are skipped as duplicates then (signalling them again would be harmless:
 * the case keeps the highest revision per alert id and ignores an equal or older one).
 */
export function createCaseSignaller(opts: CaseSignallerOptions) {
  const { metrics, logger } = opts;

  async function signalOne(record: Decoded<Alert>): Promise<void> {
    const alert = record.value;
    const stopTimer = metrics.signalSeconds.startTimer();
    try {
      const res = await opts.connection.withDeadline(Date.now() + opts.callTimeoutMs, () =>
        opts.cases.signalAlert(alert, opts.caseConfig),
      );
      stopTimer();
      (res.started ? metrics.casesStarted : metrics.evidenceAdded).inc();
      await signalRings(record);
      // Remembered once its vehicle case and its ring cases have it: a retried batch signals it again.
      opts.signalled.remember(alert);
      const revision = alertRevision(alert);
      if (revision > 0) metrics.revisionsSignalled.inc({ status: alertStatus(alert) });
      logger.debug(
        {
          vin: alert.vin,
          alertId: alert.alertId,
          revision,
          status: alertStatus(alert),
          topic: record.topic,
          partition: record.partition,
          offset: record.message.offset,
          caseId: res.caseId,
          started: res.started,
        },
        res.started ? 'case started' : 'evidence signalled to open case',
      );
      opts.onSignalled?.(alert, res);
    } catch (err) {
      metrics.startFailures.inc();
      logger.warn(
        {
          vin: alert.vin,
          alertId: alert.alertId,
          topic: record.topic,
          partition: record.partition,
          offset: record.message.offset,
          err: errorMessage(err),
        },
        'signal-with-start failed',
      );
      throw new RetriableError(`signal-with-start for ${alert.vin} failed: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  /**
   * The ring cases of the entities this alert reaches (at or above their kind's threshold): each gets
   * the alert, which adds the members it names. An entity id that could not be a safe case key
   * (`SAFE_FILTER_VALUE`) opens no ring case; its alert still reached the vehicle's case.
   */
  async function signalRings(record: Decoded<Alert>): Promise<void> {
    const alert = record.value;
    for (const ring of ringsReached(alert, opts.ringThresholds ?? {})) {
      if (!isSafeFilterValue(ring.id)) {
        logger.warn(
          { vin: alert.vin, alertId: alert.alertId, kind: ring.kind, entityId: ring.id },
          'entity id is not a safe case key: no ring case opened for it',
        );
        continue;
      }
      const res = await opts.connection.withDeadline(Date.now() + opts.callTimeoutMs, () =>
        opts.cases.signalRingAlert(alert, ring, opts.caseConfig),
      );
      metrics.ringSignals.inc({ started: String(res.started) });
      logger.debug(
        {
          vin: alert.vin,
          alertId: alert.alertId,
          topic: record.topic,
          partition: record.partition,
          offset: record.message.offset,
          caseId: ringCaseIdFor(ring),
          started: res.started,
        },
        res.started ? 'ring case started' : 'alert signalled to open ring case',
      );
    }
  }

  return async function signalBatch(records: Decoded<Alert>[]): Promise<void> {
    const { send, skipped } =
      opts.coalesce === false ? { send: records, skipped: [] } : coalesceRevisions(records, opts.signalled);
    for (const { record, outcome } of skipped) {
      logger.debug(
        {
          vin: record.value.vin,
          alertId: record.value.alertId,
          revision: alertRevision(record.value),
          topic: record.topic,
          partition: record.partition,
          offset: record.message.offset,
          outcome,
        },
        'alert not signalled: its case does not need it',
      );
    }
    const lanes = new Map<string, Decoded<Alert>[]>();
    for (const r of send) {
      const lane = lanes.get(r.value.vin);
      if (lane) lane.push(r);
      else lanes.set(r.value.vin, [r]);
    }
    const pending = [...lanes.values()];
    let failure: unknown;
    const worker = async () => {
      for (let lane = pending.shift(); lane && failure === undefined; lane = pending.shift()) {
        try {
          for (const r of lane) await signalOne(r);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, pending.length) }, worker));
    if (failure !== undefined) throw failure;
    // Counted once the batch is through, so a batch retried after a failure counts its records once.
    for (const r of records) if (alertRevision(r.value) > 0) metrics.revisionsReceived.inc();
    for (const { outcome } of skipped) metrics.coalesced.inc({ outcome });
  };
}
