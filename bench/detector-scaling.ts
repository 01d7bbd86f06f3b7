// Scale-out run: the same seeded simulator data consumed by 1, 2 and 3 detector PROCESSES in one
// consumer group (each run a fresh group, key prefix and alerts topic), events/s until the group's lag
// is zero. Prints a table and one JSON line.
//   node --import tsx bench/detector-scaling.ts [vehicles=60000] [processes=1,2,3]
// On the 2-core dev machine the broker, Redis and the detectors share two cores, so expect sub-linear
// scaling: the figure that matters is that adding processes does not lose or duplicate work.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { DETECTOR_NODE_FLAGS } from '@zmwatch/detector';
import { stackAddresses, consumerGroupLag } from '@zmwatch/kit';
import { createCodec } from '@zmwatch/schemas';
import { generateScenario, produceToKafka } from '@zmwatch/simulator';
import { readAlertIds } from './lib/detector-harness.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
const VEHICLES = Number(process.argv[2] ?? 60_000);
const COUNTS = (process.argv[3] ?? '1,2,3').split(',').map(Number);
const BROKERS = stackAddresses().brokers;
const REDIS_URL = stackAddresses().redisUrl;
const PARTITIONS = 6;
const DETECTOR_MAIN = fileURLToPath(new URL('../services/detector/src/main.ts', import.meta.url));
const id = `zmbench-scale-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const topics = { registrations: `${id}.registrations`, declarations: `${id}.declarations` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The group's total lag, and how far it has committed (0 until its first commit). */
async function groupLag(admin: Admin, groupId: string): Promise<{ lag: number; committed: number }> {
  const { total, partitions } = await consumerGroupLag(admin, groupId, [
    topics.registrations,
    topics.declarations,
  ]);
  return { lag: total, committed: partitions.reduce((sum, p) => sum + Math.max(0, p.committed), 0) };
}

async function run(
  kafka: Kafka,
  admin: Admin,
  processes: number,
  total: number,
): Promise<{ seconds: number; eventsPerSec: number; alerts: number; distinctAlerts: number }> {
  const runId = `${id}-p${processes}`;
  const alertsTopic = `${runId}.alerts`;
  await admin.createTopics({
    topics: [{ topic: alertsTopic, numPartitions: PARTITIONS }],
    waitForLeaders: true,
  });
  const env = {
    ...process.env,
    ZM_KAFKA_BROKERS: BROKERS.join(','),
    ZM_REDIS_URL: REDIS_URL,
    ZM_LOG_LEVEL: 'warn',
    ZM_DETECTOR_GROUP_ID: runId,
    ZM_DETECTOR_KEY_PREFIX: runId.replace(/[^A-Za-z0-9_.-]/g, '_'),
    ZM_DETECTOR_REGISTRATIONS_TOPIC: topics.registrations,
    ZM_DETECTOR_DECLARATIONS_TOPIC: topics.declarations,
    ZM_DETECTOR_ALERTS_TOPIC: alertsTopic,
    ZM_DETECTOR_METRICS_PORT: '0',
  };
  const children: ChildProcess[] = Array.from({ length: processes }, () =>
    spawn(process.execPath, [...DETECTOR_NODE_FLAGS, '--import', 'tsx', DETECTOR_MAIN], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  try {
    // The clock starts when the group first commits (all processes joined and consuming), so start-up
    // and rebalancing of the processes is not counted as processing time.
    let t0 = 0;
    const deadline = Date.now() + 600_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${processes} process(es): not drained after 10 minutes`);
      if (children.some((c) => c.exitCode !== null))
        throw new Error(`a detector process exited early (${processes} process run)`);
      const { lag, committed } = await groupLag(admin, runId).catch(() => ({ lag: total, committed: 0 }));
      if (t0 === 0 && committed > 0) t0 = performance.now();
      if (t0 !== 0 && lag === 0) break;
      await sleep(100);
    }
    const seconds = (performance.now() - t0) / 1000;
    const alerts = (await admin.fetchTopicOffsets(alertsTopic)).reduce((s, p) => s + Number(p.high), 0);
    // Physical messages vs distinct alert ids: a rebalance overlap can produce an alert twice (same
    // id, deduplicated downstream); a different id would be a detection difference.
    const distinctAlerts = (await readAlertIds(kafka, alertsTopic, alerts)).ids.size;
    return { seconds, eventsPerSec: total / seconds, alerts, distinctAlerts };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))),
    );
    await admin.deleteTopics({ topics: [alertsTopic] }).catch(() => {});
  }
}

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'detector-scaling', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const dlqs = [`${topics.registrations}.dlq`, `${topics.declarations}.dlq`];
  await admin.createTopics({
    topics: [...Object.values(topics), ...dlqs].map((topic) => ({
      topic,
      numPartitions: topic.endsWith('.dlq') ? 1 : PARTITIONS,
    })),
    waitForLeaders: true,
  });
  try {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const scenario = generateScenario({ seed: 42, vehicles: VEHICLES });
    const produced = await produceToKafka({
      events: scenario.events(),
      producer,
      codec: await createCodec(),
      rate: 0,
      topics,
    });
    await producer.disconnect();
    process.stderr.write(
      `produced ${produced.total} events (seed 42, ${VEHICLES} vehicles) to ${PARTITIONS} partitions per topic\n`,
    );

    const rows: Array<{
      processes: number;
      seconds: number;
      eventsPerSec: number;
      alerts: number;
      distinctAlerts: number;
    }> = [];
    for (const n of COUNTS) {
      process.stderr.write(`running ${n} detector process(es)...\n`);
      rows.push({ processes: n, ...(await run(kafka, admin, n, produced.total)) });
    }
    const base = rows[0]!.eventsPerSec;
    console.log('processes  seconds  events/s  speed-up  alerts  distinct ids');
    for (const r of rows) {
      console.log(
        `${String(r.processes).padStart(9)}  ${r.seconds.toFixed(1).padStart(7)}  ${Math.round(r.eventsPerSec).toString().padStart(8)}  ${(r.eventsPerSec / base).toFixed(2).padStart(8)}  ${String(r.alerts).padStart(6)}  ${String(r.distinctAlerts).padStart(12)}`,
      );
    }
    console.log(
      JSON.stringify({
        bench: 'detector-scaling',
        events: produced.total,
        partitions: PARTITIONS,
        runs: rows.map((r) => ({
          ...r,
          seconds: +r.seconds.toFixed(2),
          eventsPerSec: Math.round(r.eventsPerSec),
          speedup: +(r.eventsPerSec / base).toFixed(2),
        })),
        sameAlertIdsInEveryRun: new Set(rows.map((r) => r.distinctAlerts)).size === 1,
        physicalDuplicates: rows.map((r) => r.alerts - r.distinctAlerts),
      }),
    );
  } finally {
    await admin.deleteTopics({ topics: [...Object.values(topics), ...dlqs] }).catch(() => {});
    await admin.disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
