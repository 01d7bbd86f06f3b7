import { Counter, Histogram, type Registry } from 'prom-client';

export interface InsightsMetrics {
  stored: Counter<'kind'>;
  deadLettered: Counter;
  batchSeconds: Histogram;
  swept: Counter<'table'>;
}

export function createMetrics(registry: Registry): InsightsMetrics {
  return {
    stored: new Counter({
      name: 'zm_insights_records_total',
      help: 'Records written to DuckDB per kind (replayed duplicates included; the tables keep one)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'zm_insights_dead_lettered_total',
      help: 'Records sent to the dead-letter topic (undecodable or invalid)',
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'zm_insights_batch_seconds',
      help: 'Time to make one batch durable in DuckDB',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    swept: new Counter({
      name: 'zm_insights_swept_total',
      help: 'Rows deleted by the retention sweep, per table',
      labelNames: ['table'],
      registers: [registry],
    }),
  };
}
