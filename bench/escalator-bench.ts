/**
 * Escalator benchmark against the local stack (Kafka and the Temporal dev server).
 *
 *   node --import tsx bench/escalator-bench.ts [--cases 600] [--rate 10] [--seconds 20] [--poll-ms 200]
 *     [--revision-alerts 150]
 *
 * 1. Start rate: `--cases` alerts for distinct VINs are produced first, then an escalator starts and
 *    signal-with-starts them all; cases/s from its first to its last call. Run twice in the same run,
 *    with per-batch concurrency 32 (default) and 1 (a quarter of the cases), so the ratio is comparable.
 * 2. Latency: alerts are produced at `--rate`/s for `--seconds` while the escalator runs; a poller lists
 *    the case queue (a visibility query) every `--poll-ms` and records when each VIN first appears
 *    (the poll interval bounds the resolution; polling harder loads the dev server's sqlite).
 *    Reported: p50/p95/p99/max of (first seen in queue − produced), and of (signal-with-start acked −
 *    produced) to split Kafka + escalator time from visibility time.
 * 3. Revision backlog: `--revision-alerts` alerts each with three revisions (one changing nothing the
 *    case shows, one the score, one the severity) wait on a topic; drained with every record signalled,
 *    then coalesced (src/revision-coalescing.ts): drain time, Temporal calls, revisions reaching cases.
 * A real case worker runs in the same process (it handles each case's first workflow task). Every
 * workflow the benchmark creates is terminated at the end (they share the dev server).
 */
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { stackAddresses, createIdempotentProducer, createKafka, createLogger } from '@zmwatch/kit';
import { createCodec, TOPICS, type Alert, type Codec } from '@zmwatch/schemas';
import { createCaseClient } from '@zmwatch/workflows';
import {
  createCaseWorker,
  NativeConnection,
  WORKFLOW_BUNDLE_PATH,
  WORKFLOWS_PATH,
} from '@zmwatch/workflows/worker';
import {
  makeAlert,
  quietTemporalRuntime,
  terminateTaskQueue,
  runId,
  testCaseConfig,
} from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';
import { existsSync } from 'node:fs';
import { logLevel, type Kafka } from 'kafkajs';
import { createApp, type EscalatorConfig } from '@zmwatch/escalator';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '600' },
    rate: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
    'poll-ms': { type: 'string', default: '200' },
    'revision-alerts': { type: 'string', default: '150' },
  },
});
const REVISION_ALERTS = Number(args['revision-alerts']);
const N = Number(args.cases);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const POLL_MS = Number(args['poll-ms']);
const BROKERS = stackAddresses().brokers;
const ADDRESS = stackAddresses().temporalAddress;
const logger = createLogger('escalator-bench', 'silent');
const run = runId();
const taskQueue = `zm-cases-bench-${run}`;
const caseConfig = testCaseConfig(`bench-${run}`);

quietTemporalRuntime('ERROR');
const kafka = createKafka({ clientId: 'escalator-bench', brokers: BROKERS, logger, level: logLevel.NOTHING });
const codec = await createCodec();

async function createTopic(name: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic: name, numPartitions: 6 }, { topic: `${name}.dlq` }],
    waitForLeaders: true,
  });
  await admin.disconnect();
}

async function produce(k: Kafka, c: Codec, topic: string, alerts: Alert[]): Promise<void> {
  const producer = createIdempotentProducer(k);
  await producer.connect();
  for (let i = 0; i < alerts.length; i += 500) {
    await producer.send({
      topic,
      acks: -1,
      messages: alerts.slice(i, i + 500).map((a) => ({ key: a.vin, value: c.encode(TOPICS.alerts, a) })),
    });
  }
  await producer.disconnect();
}

function config(topic: string, concurrency: number, partitionsConcurrently = 6): EscalatorConfig {
  return {
    brokers: BROKERS,
    clientId: `escalator-bench-${run}`,
    groupId: `escalator-bench-${topic}`,
    alertsTopic: topic,
    fromBeginning: true,
    maxRetryDelayMs: 1_000,
    temporalAddress: ADDRESS,
    temporalNamespace: 'default',
    taskQueue,
    callTimeoutMs: 10_000,
    concurrency,
    partitionsConcurrently,
    caseConfig,
    lagIntervalMs: 5_000,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    logLevel: 'silent',
  };
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

// A case worker, as in production (prebuilt bundle when present).
const native = await NativeConnection.connect({ address: ADDRESS });
const worker = await createCaseWorker({
  connection: native,
  taskQueue,
  workflows: existsSync(WORKFLOW_BUNDLE_PATH)
    ? { bundlePath: WORKFLOW_BUNDLE_PATH }
    : { workflowsPath: WORKFLOWS_PATH },
  logger,
  activityDeps: {
    producer: createIdempotentProducer(kafka),
    outcomesTopic: 'unused',
    encodeOutcome: () => Buffer.alloc(0),
    customs: { url: 'http://127.0.0.1:9/' },
    notifier: async () => {},
    logger,
  },
});
const workerRun = worker.run();
const connection = await Connection.connect({ address: ADDRESS });
const client = new Client({ connection });
const cases = createCaseClient(client, { taskQueue });

// --- 1. start rate -----------------------------------------------------------------------------
async function startRate(
  concurrency: number,
  n: number,
): Promise<{ cases: number; seconds: number; perSecond: number }> {
  const topic = `zm.alerts.v1.bench-${run}-c${concurrency}`;
  await createTopic(topic);
  await produce(
    kafka,
    codec,
    topic,
    Array.from({ length: n }, () => makeAlert(randomVin())),
  );
  let first = 0;
  let last = 0;
  let count = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const app = createApp(config(topic, concurrency), {
    codec,
    logger,
    onSignalled: () => {
      const now = performance.now();
      first ||= now;
      last = now;
      if (++count === n) done();
    },
  });
  await app.start();
  await all;
  await app.stop();
  const seconds = (last - first) / 1000;
  return { cases: n, seconds, perSecond: n / seconds };
}

const parallel = await startRate(32, N);
const sequential = await startRate(1, Math.max(50, Math.round(N / 4)));

// --- 2. latency alert produced → case visible in its queue ------------------------------------
const latencyTopic = `zm.alerts.v1.bench-${run}-lat`;
await createTopic(latencyTopic);
const latencyConfig = testCaseConfig(`benchlat-${run}`);
const signalled = new Map<string, number>();
const app = createApp(
  { ...config(latencyTopic, 32), caseConfig: latencyConfig },
  { codec, logger, onSignalled: (alert) => signalled.set(alert.vin, Date.now()) },
);
await app.start();
const produced = new Map<string, number>();
const seen = new Map<string, number>();
let polling = true;
const listMs: number[] = [];
const poller = (async () => {
  while (polling) {
    let token: string | undefined;
    do {
      const t = performance.now();
      const page = await cases.listQueue(
        latencyConfig.routing.standardQueue,
        {},
        { pageSize: 1000, ...(token ? { pageToken: token } : {}) },
      );
      const now = Date.now();
      listMs.push(performance.now() - t);
      for (const c of page.cases) if (!seen.has(c.vin)) seen.set(c.vin, now);
      token = page.nextPageToken ?? undefined;
    } while (token);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
})();
const producer = createIdempotentProducer(kafka);
await producer.connect();
const total = RATE * SECONDS;
const t0 = Date.now();
for (let i = 0; i < total; i++) {
  const wait = t0 + (i * 1000) / RATE - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const alert = makeAlert(randomVin());
  produced.set(alert.vin, Date.now());
  await producer.send({
    topic: latencyTopic,
    acks: -1,
    messages: [{ key: alert.vin, value: codec.encode(TOPICS.alerts, alert) }],
  });
}
const deadline = Date.now() + 30_000;
while (seen.size < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
polling = false;
await poller;
await producer.disconnect();
await app.stop();
const signalLatencies = [...produced]
  .filter(([vin]) => signalled.has(vin))
  .map(([vin, t]) => signalled.get(vin)! - t)
  .sort((a, b) => a - b);
const latencies = [...produced]
  .filter(([vin]) => seen.has(vin))
  .map(([vin, t]) => seen.get(vin)! - t)
  .sort((a, b) => a - b);

// --- 3. a backlog of revisions: coalescing off (every record signalled) vs on ---------------------
/**
 * `REVISION_ALERTS` alerts for distinct VINs, each followed by three revisions — one that changes
 * nothing the case shows (a new `revisedAt` only), one that raises the score, one that raises the
 * severity — all waiting on the topic, as when the escalator lags. Drained twice by a fresh escalator
 * group: every record signalled, then coalesced. Reported: drain time and Temporal calls per mode, and
 * the share of revisions that reached a case.
 */
function revisionBacklog(): Alert[] {
  const out: Alert[] = [];
  for (let i = 0; i < REVISION_ALERTS; i++) {
    const a = { ...makeAlert(randomVin()), severity: 'MEDIUM' } as Alert;
    out.push(
      a,
      { ...a, revision: 1, revisionReason: 'EVIDENCE', revisedAt: a.detectedAt + 60_000 },
      {
        ...a,
        revision: 2,
        revisionReason: 'EVIDENCE',
        revisedAt: a.detectedAt + 120_000,
        score: a.score + 1,
      },
      {
        ...a,
        revision: 3,
        revisionReason: 'EVIDENCE',
        revisedAt: a.detectedAt + 180_000,
        score: a.score + 2,
        severity: 'CRITICAL',
      },
    );
  }
  return out;
}

async function drainRevisions(coalesce: boolean) {
  const topic = `zm.alerts.v1.bench-${run}-rev-${coalesce ? 'on' : 'off'}`;
  await createTopic(topic);
  await produce(kafka, codec, topic, revisionBacklog());
  let calls = 0;
  const finals = new Set<string>();
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const t0 = performance.now();
  const esc = createApp(
    { ...config(topic, 32), caseConfig: testCaseConfig(`benchrev-${run}`), coalesce },
    {
      codec,
      logger,
      onSignalled: (alert) => {
        calls++;
        if (alert.revision === 3 && finals.add(alert.vin).size === REVISION_ALERTS) done();
      },
    },
  );
  await esc.start();
  await all;
  const seconds = (performance.now() - t0) / 1000;
  // Every record handled (the counters count a batch once it is through).
  const settled = Date.now() + 30_000;
  while ((await esc.refreshLag()) > 0 && Date.now() < settled) await new Promise((r) => setTimeout(r, 200));
  const sum = async (m: { get(): Promise<{ values: Array<{ value: number }> }> }) =>
    (await m.get()).values.reduce((n, v) => n + v.value, 0);
  const received = await sum(esc.metrics.revisionsReceived);
  const signalledRevisions = await sum(esc.metrics.revisionsSignalled);
  await esc.stop();
  return {
    topic,
    records: REVISION_ALERTS * 4,
    calls,
    seconds,
    revisionsReceived: received,
    revisionsSignalled: signalledRevisions,
    share: received > 0 ? Number((signalledRevisions / received).toFixed(3)) : null,
  };
}
const revOff = await drainRevisions(false);
const revOn = await drainRevisions(true);

// --- cleanup: terminate everything this run created on the shared dev server --------------------
const terminated = await terminateTaskQueue(client, taskQueue);
await worker.shutdown();
await workerRun.catch(() => undefined);
await connection.close();
await native.close();
const admin = kafka.admin();
await admin.connect();
await admin
  .deleteTopics({
    topics: [
      `zm.alerts.v1.bench-${run}-c32`,
      `zm.alerts.v1.bench-${run}-c1`,
      latencyTopic,
      revOff.topic,
      revOn.topic,
    ].flatMap((t) => [t, `${t}.dlq`]),
  })
  .catch(() => undefined);
await admin.disconnect();

const figures = {
  startRatePerSec: Math.round(parallel.perSecond),
  startRateSequentialPerSec: Math.round(sequential.perSecond),
  parallelSpeedup: Number((parallel.perSecond / sequential.perSecond).toFixed(2)),
  cases: N,
  latencyAlerts: total,
  latencySeen: latencies.length,
  produceRatePerSec: RATE,
  latencyP50Ms: pct(latencies, 50),
  latencyP95Ms: pct(latencies, 95),
  latencyP99Ms: pct(latencies, 99),
  latencyMaxMs: latencies.at(-1) ?? NaN,
  signalledP50Ms: pct(signalLatencies, 50),
  signalledP99Ms: pct(signalLatencies, 99),
  pollMs: POLL_MS,
  visibilityListP50Ms: Math.round(
    pct(
      [...listMs].sort((a, b) => a - b),
      50,
    ),
  ),
  terminated,
  revisionBacklog: {
    alerts: REVISION_ALERTS,
    records: revOn.records,
    uncoalesced: { calls: revOff.calls, seconds: Number(revOff.seconds.toFixed(1)), share: revOff.share },
    coalesced: { calls: revOn.calls, seconds: Number(revOn.seconds.toFixed(1)), share: revOn.share },
  },
};
console.log(
  `escalator benchmark (local dev server, in-process case worker; visibility poll every ${POLL_MS} ms)`,
);
console.table({
  'start rate, concurrency 32': {
    value: `${figures.startRatePerSec} cases/s`,
    detail: `${N} cases in ${parallel.seconds.toFixed(1)} s`,
  },
  'start rate, concurrency 1': {
    value: `${figures.startRateSequentialPerSec} cases/s`,
    detail: `${sequential.cases} cases in ${sequential.seconds.toFixed(1)} s`,
  },
  'speedup (32 vs 1)': { value: `${figures.parallelSpeedup}x`, detail: 'same run' },
  'alert → case in queue p50': {
    value: `${figures.latencyP50Ms} ms`,
    detail: `${figures.latencySeen}/${total} alerts at ${RATE}/s`,
  },
  'alert → case in queue p95': { value: `${figures.latencyP95Ms} ms`, detail: '' },
  'alert → case in queue p99': { value: `${figures.latencyP99Ms} ms`, detail: '' },
  'alert → case in queue max': { value: `${figures.latencyMaxMs} ms`, detail: '' },
  'alert → signal acked p50': {
    value: `${figures.signalledP50Ms} ms`,
    detail: 'Kafka + escalator + Temporal start',
  },
  'alert → signal acked p99': { value: `${figures.signalledP99Ms} ms`, detail: '' },
  'visibility list query p50': { value: `${figures.visibilityListP50Ms} ms`, detail: 'the poller itself' },
  'revision backlog, every record signalled': {
    value: `${revOff.seconds.toFixed(1)} s`,
    detail: `${revOff.calls} calls for ${revOff.records} records; revisions reaching cases ${revOff.share}`,
  },
  'revision backlog, coalesced': {
    value: `${revOn.seconds.toFixed(1)} s`,
    detail: `${revOn.calls} calls for ${revOn.records} records; revisions reaching cases ${revOn.share}`,
  },
});
console.log(JSON.stringify({ bench: 'escalator', ...figures }));
process.exit(0);
