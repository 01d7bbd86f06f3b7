// Running the detector in a bench process: its node flags, a config for unique topics and prefixes,
// reading its metrics, timing it until it has handled a given amount of input, a CPU profile.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import type { Kafka } from 'kafkajs';
import type { RedisConnection } from '@zmwatch/kit';
import {
  DETECTOR_NODE_FLAGS,
  hasDetectorNodeFlags,
  loadRuleset,
  type DetectorApp,
  type DetectorConfig,
} from '@zmwatch/detector';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The detector runs in the bench's process: give it the heap flags it runs with in production by
 * re-executing the script with them (the parent waits for the child and exits with its code).
 */
export async function ensureDetectorNodeFlags(): Promise<void> {
  if (hasDetectorNodeFlags()) return;
  const child = spawn(
    process.execPath,
    [...DETECTOR_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)],
    {
      stdio: 'inherit',
    },
  );
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  await new Promise(() => {}); // the child does the work
}

export interface BenchDetectorOptions {
  /** Names the client and group: 'batched' (the detector's createApp) or 'naive' (bench-detector.ts, one event at a time). */
  mode?: 'batched' | 'naive';
  brokers: string[];
  redis: RedisConnection;
  topics: DetectorConfig['topics'];
  /** Redis key prefix; also part of the group id. */
  prefix: string;
  /** Unique per run; the client id is `<runId>-<mode>`, the group `<runId>-<mode>-<prefix>`. */
  runId: string;
  bucketsPerPartition: number;
  velocityBucketsPerPartition: number;
  partitionsConcurrently: number;
}

export function benchDetectorConfig(o: BenchDetectorOptions): DetectorConfig {
  const mode = o.mode ?? 'batched';
  return {
    brokers: o.brokers,
    clientId: `${o.runId}-${mode}`,
    groupId: `${o.runId}-${mode}-${o.prefix}`,
    topics: o.topics,
    fromBeginning: true,
    sessionTimeoutMs: 30_000,
    maxRetryDelayMs: 1000,
    redis: o.redis,
    keys: {
      prefix: o.prefix,
      bucketsPerPartition: o.bucketsPerPartition,
      velocityBucketsPerPartition: o.velocityBucketsPerPartition,
    },
    cacheBuckets: 32_768,
    ruleset: loadRuleset(),
    partitionsConcurrently: o.partitionsConcurrently,
    sweep: { intervalMs: 1000, bucketsPerTick: 64 },
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    logLevel: 'warn',
  };
}

/** What the harness needs of a detector: the app, or the bench's naive variant. */
export type TimedApp = Pick<DetectorApp, 'start' | 'registry'>;

type MetricValues = Array<{ value: number; labels: Record<string, string | number | undefined> }>;

/** Every labelled value of one of the app's metrics (empty when it has none yet). */
export async function metricValues(app: TimedApp, name: string): Promise<MetricValues> {
  const m = app.registry.getSingleMetric(name) as unknown as
    { get(): Promise<{ values: MetricValues }> } | undefined;
  return m ? (await m.get()).values : [];
}

/** The sum of a counter over its labels. */
export async function counter(app: TimedApp, name: string): Promise<number> {
  return (await metricValues(app, name)).reduce((s, v) => s + v.value, 0);
}

/** A counter's values summed per value of one label. */
export async function counterBy(app: TimedApp, name: string, label: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const v of await metricValues(app, name)) {
    const k = String(v.labels[label]);
    out.set(k, (out.get(k) ?? 0) + v.value);
  }
  return out;
}

/**
 * Starts an app and times it from its first processed event until `done` says the input is handled
 * (polled every 10 ms) or `capSeconds` passed since that first event.
 */
export async function timeAppUntil(
  app: TimedApp,
  done: () => Promise<boolean>,
  capSeconds = Infinity,
): Promise<{ events: number; seconds: number; capped: boolean }> {
  await app.start();
  let first = 0;
  for (;;) {
    const n = await counter(app, 'zm_detector_events_in_total');
    const t = performance.now();
    if (n > 0 && first === 0) first = t;
    if (first > 0 && (await done())) return { events: n, seconds: (t - first) / 1000, capped: false };
    if (first > 0 && (t - first) / 1000 >= capSeconds)
      return { events: n, seconds: (t - first) / 1000, capped: true };
    await sleep(10);
  }
}

/** Starts an app and times it from its first processed event until `target` events (or the time cap). */
export async function timeApp(
  app: TimedApp,
  target: number,
  capSeconds = Infinity,
): Promise<{ events: number; seconds: number }> {
  const r = await timeAppUntil(
    app,
    async () => (await counter(app, 'zm_detector_events_in_total')) >= target,
    capSeconds,
  );
  return { events: r.events, seconds: r.seconds };
}

/** `file` set: a V8 CPU profile from now until the returned function is called (open in Chrome DevTools). */
export async function startProfile(file: string | undefined): Promise<() => Promise<void>> {
  if (!file) return async () => {};
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, (err, res) => (err ? reject(err) : resolve(res))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/**
 * The `zm-alert-id` header of every message on an alerts topic, read from the beginning (own group)
 * until `count` messages were seen or `timeoutMs` passed; also how many messages that was.
 */
export async function readAlertIds(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 60_000,
): Promise<{ ids: Set<string>; messages: number }> {
  const ids = new Set<string>();
  const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  await consumer.run({
    eachMessage: async ({ message }) => {
      seen++;
      const h = message.headers?.['zm-alert-id'];
      if (h) ids.add(h.toString());
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (seen < count && Date.now() < deadline) await sleep(100);
  await consumer.disconnect();
  return { ids, messages: seen };
}
