import { errorMessage, KIT_ERROR_CLASSES, type BatchHooks, type Logger } from '@zmwatch/kit';
import { isEntityRecheckTopic } from './entity-recheck.js';
import type { DetectorMetrics } from './metrics.js';

/** How often the detector says, in one log line, how many records it re-routed and why. */
const REROUTE_LOG_INTERVAL_MS = 60_000;

/** The batch consumer's hooks: metrics per batch, a re-route summary once a minute, poison records, retries. */
export function createBatchReports(metrics: DetectorMetrics, logger: Logger): Required<BatchHooks> {
  const reroutedSinceLog = new Map<string, number>();
  /** When the re-route counts in reroutedSinceLog started (the first re-route is logged at once). */
  let rerouteLogFrom: number | undefined;
  let lastRerouteLog = 0;
  return {
    onBatch: ({ topic, processed, deadLettered, reroutes }) => {
      // Re-check requests are the detector's own (zm_detector_entity_rechecks_total counts them): a
      // count of input events that included them would reach a producer's total too soon.
      if (!isEntityRecheckTopic(topic)) metrics.eventsIn.inc({ topic }, processed);
      if (deadLettered > 0) metrics.deadLetters.inc({ topic }, deadLettered);
      for (const [reason, n] of reroutes) {
        rerouteLogFrom ??= Date.now();
        metrics.rerouted.inc({ topic, reason }, n);
        const k = `${topic}\t${reason}`;
        reroutedSinceLog.set(k, (reroutedSinceLog.get(k) ?? 0) + n);
      }
      if (reroutedSinceLog.size > 0 && Date.now() - lastRerouteLog >= REROUTE_LOG_INTERVAL_MS) {
        logger.warn(
          {
            rerouted: [...reroutedSinceLog].map(([k, n]) => {
              const [t, reason] = k.split('\t');
              return { topic: t, reason, records: n };
            }),
            sinceMs: Date.now() - (rerouteLogFrom ?? Date.now()),
          },
          'input records were not where the feed contract puts them (partition = murmur2(normalised VIN) % partitions, key = normalised VIN): re-routed through the repartition topics; fix the producer (README: feed contract)',
        );
        reroutedSinceLog.clear();
        lastRerouteLog = Date.now();
        rerouteLogFrom = undefined;
      }
    },
    onIsolated: ({ topic, partition, records, poison, calls }) => {
      metrics.poisonRecords.inc({ topic }, poison);
      logger.error(
        { topic, partition, records, poison, calls },
        `a batch threw while being handled: bisected it and dead-lettered the ${poison} record(s) that cause it (${KIT_ERROR_CLASSES.handlerFailed})`,
      );
    },
    onRetry: ({ topic, error }) => {
      metrics.batchRetries.inc({ topic });
      logger.debug({ topic, err: errorMessage(error) }, 'batch retry');
    },
  };
}
