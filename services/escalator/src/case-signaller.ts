import type { Connection } from '@temporalio/client';
import { errorMessage, RetriableError, type Decoded, type Logger } from '@zmwatch/kit';
import type { Alert } from '@zmwatch/schemas';
import { alertRevision, alertStatus, type CaseClient, type CaseConfig } from '@zmwatch/workflows';
import type { EscalatorMetrics } from './metrics.js';

export interface CaseSignallerOptions {
  cases: CaseClient;
  connection: Connection;
  caseConfig: CaseConfig;
  callTimeoutMs: number;
  concurrency: number;
  metrics: EscalatorMetrics;
  logger: Logger;
  /** Called after each successful call (readiness, benchmark hooks). */
  onSignalled?(alert: Alert, result: { started: boolean; runId: string }): void;
}

/**
 * Signal-with-start for a batch of alerts. One VIN's alerts go in offset order (its case sees them in
 * the order the detector raised them); different VINs go in parallel. Every revision of an alert (same
 * alertId, higher `revision`, possibly WITHDRAWN) is forwarded the same way: the case workflow id is
 * the VIN's, so a revision reaches the case its first revision opened. Any failure fails the whole
 * batch as retriable: kit retries it uncommitted, and the alerts already signalled are signalled again,
 * which is harmless because the case keeps the highest revision per alert id and ignores an equal or
 * older one.
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

  return async function signalBatch(records: Decoded<Alert>[]): Promise<void> {
    const lanes = new Map<string, Decoded<Alert>[]>();
    for (const r of records) {
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
  };
}
