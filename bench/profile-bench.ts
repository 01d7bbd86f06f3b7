// One detector process on the single-node profile versus the cluster profile, in one run, same data:
//   node --import tsx bench/profile-bench.ts [registrations=100000] [declarations=10000] [rounds=2]
// Needs both stacks up: the single-node one (the stack's default addresses, or
// ZM_BENCH_SINGLE_BROKERS / ZM_BENCH_SINGLE_REDIS_URL) and `infra/bin/stack up --profile cluster`
// (its addresses are read from `infra/bin/stack env --profile cluster`: three brokers, RF 3,
// min.insync.replicas 2; a Redis Cluster of 3 masters + 3 replicas, state writes WAIT for 1 replica).
// The same input (bench/lib/bench-data.ts, seed 7) is preloaded once per profile into unique topics;
// then each round times the detector (its own createApp, the production composition, connected through
// kit's createKafka / createRedis) over the whole input on each profile, the order alternating per
// round (single, cluster; cluster, single; ...) so drift on the shared machine falls on both. Every
// run uses a fresh consumer group and Redis key prefix; its keys are deleted afterwards, and the topics
// at the end (on both profiles). Prints a table and one JSON line.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Cluster } from 'ioredis';
import type { Kafka, Message } from 'kafkajs';
import {
  stackAddresses,
  createIdempotentProducer,
  createKafka,
  createLogger,
  createRedis,
  describeRedis,
  loadRedisConnection,
  sendChunked,
  type RedisClient,
  type RedisConnection,
} from '@zmwatch/kit';
import { createCodec, repartitionTopicFor, TOPICS } from '@zmwatch/schemas';
import { createApp } from '@zmwatch/detector';
import { createBenchData } from './lib/bench-data.js';
import { benchDetectorConfig, counter, ensureDetectorNodeFlags, timeApp } from './lib/detector-harness.js';

await ensureDetectorNodeFlags();

const REGISTRATIONS = Number(process.argv[2] ?? 100_000);
const DECLARATIONS = Number(process.argv[3] ?? 10_000);
const ROUNDS = Number(process.argv[4] ?? 2);
const PARTITIONS = 6;
const BUCKETS_PER_PARTITION = 683; // as bench/detector-bench.ts
const VELOCITY_BUCKETS_PER_PARTITION = 1024;
const PARTITIONS_CONCURRENTLY = Number(process.env.ZM_DETECTOR_PARTITIONS_CONCURRENTLY ?? 3);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const id = `zmbench-prof-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const logger = createLogger('profile-bench', 'warn');
const run = promisify(execFile);

interface Profile {
  name: 'single' | 'cluster';
  brokers: string[];
  redis: RedisConnection;
  kafka: Kafka;
}

/** The environment `infra/bin/stack env --profile cluster` prints (export/unset lines). */
async function clusterEnv(): Promise<NodeJS.ProcessEnv> {
  const { stdout } = await run(join(ROOT, 'infra/bin/stack'), ['env', '--profile', 'cluster']);
  const env: NodeJS.ProcessEnv = {};
  for (const line of stdout.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1');
  }
  return env;
}

function profile(name: Profile['name'], env: NodeJS.ProcessEnv): Profile {
  const brokers = env.ZM_KAFKA_BROKERS!.split(',');
  return {
    name,
    brokers,
    redis: loadRedisConnection(env),
    kafka: createKafka({ clientId: `${id}-${name}`, brokers, logger }),
  };
}

const topicsOf = (p: Profile) => ({
  registrations: `${id}-${p.name}.registrations`,
  declarations: `${id}-${p.name}.declarations`,
  alerts: `${id}-${p.name}.alerts`,
});
const allTopics = (p: Profile) => {
  const t = topicsOf(p);
  return [t.registrations, t.declarations, t.alerts, `${t.registrations}.dlq`, `${t.declarations}.dlq`];
};
/** Also the repartition topics the detector creates for the inputs. */
const topicsToDelete = (p: Profile) => {
  const t = topicsOf(p);
  return [...allTopics(p), repartitionTopicFor(t.registrations), repartitionTopicFor(t.declarations)];
};

/** Deletes `prefix:*` (SCAN per master on a Cluster; never KEYS or FLUSH: the Redis is shared). */
async function deleteKeys(redis: RedisClient, prefix: string): Promise<number> {
  const nodes = (redis as Cluster).isCluster ? (redis as Cluster).nodes('master') : [redis];
  let n = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) n += await redis.unlink(k); // one key per call: slots differ on a Cluster
    } while (cursor !== '0');
  }
  return n;
}

interface RunFigures {
  profile: Profile['name'];
  round: number;
  eventsPerSec: number;
  seconds: number;
  alerts: number;
  /** Detector process CPU (user + system) per input event, microseconds, start-up included. */
  cpuMicrosPerEvent: number;
  redisRoundTripsPerEvent: number;
}

async function main(): Promise<void> {
  const single = profile('single', {
    ZM_KAFKA_BROKERS: process.env.ZM_BENCH_SINGLE_BROKERS ?? stackAddresses({}).brokers.join(','),
    ZM_REDIS_URL: process.env.ZM_BENCH_SINGLE_REDIS_URL ?? stackAddresses({}).redisUrl,
  });
  const cluster = profile('cluster', await clusterEnv());
  const profiles = [single, cluster];
  const codec = await createCodec();
  const data = createBenchData({ registrations: REGISTRATIONS });
  // Encoded once: byte-identical input on both profiles.
  const registrations: Message[] = data.vins.map((vin, i) => ({
    key: vin,
    value: codec.encode(TOPICS.registrations, data.registrationFor(i)),
  }));
  const declarations: Message[] = data.vins.slice(0, DECLARATIONS).map((vin, i) => ({
    key: vin,
    value: codec.encode(TOPICS.declarations, data.declarationFor(vin, i, data.now, i % 2 === 0)),
  }));
  const total = registrations.length + declarations.length;
  const created: Profile[] = [];
  const runs: RunFigures[] = [];
  const groups = new Map<Profile['name'], string[]>();
  try {
    for (const p of profiles) {
      const admin = p.kafka.admin();
      await admin.connect();
      const [reg, decl, alerts, ...dlq] = allTopics(p);
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: reg!, numPartitions: PARTITIONS },
          { topic: decl!, numPartitions: PARTITIONS },
          { topic: alerts!, numPartitions: PARTITIONS },
          ...dlq.map((topic) => ({ topic, numPartitions: 1 })),
        ],
      });
      created.push(p);
      const meta = await admin.fetchTopicMetadata({ topics: [reg!] });
      await admin.disconnect();
      const t0 = performance.now();
      const producer = createIdempotentProducer(p.kafka);
      await producer.connect();
      for (const [topic, messages] of [
        [reg!, registrations],
        [decl!, declarations],
      ] as const)
        for (let i = 0; i < messages.length; i += 5000)
          await sendChunked(producer, [{ topic, messages: messages.slice(i, i + 5000) }]);
      await producer.disconnect();
      console.error(
        `${p.name}: ${p.brokers.length} broker(s), replicas ${meta.topics[0]!.partitions[0]!.replicas.length}, ` +
          `${describeRedis(p.redis)}; preloaded ${total} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    }

    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? profiles : [...profiles].reverse();
      for (const p of order) {
        const prefix = `${id}-${p.name}-r${round}`;
        const config = benchDetectorConfig({
          brokers: p.brokers,
          redis: p.redis,
          topics: topicsOf(p),
          prefix,
          runId: id,
          bucketsPerPartition: BUCKETS_PER_PARTITION,
          velocityBucketsPerPartition: VELOCITY_BUCKETS_PER_PARTITION,
          partitionsConcurrently: PARTITIONS_CONCURRENTLY,
        });
        groups.set(p.name, [...(groups.get(p.name) ?? []), config.groupId]);
        const app = createApp(config, { logger });
        const cpu0 = process.cpuUsage();
        const timed = await timeApp(app, total);
        const cpu = process.cpuUsage(cpu0);
        const figures: RunFigures = {
          profile: p.name,
          round,
          eventsPerSec: Math.round(timed.events / timed.seconds),
          seconds: +timed.seconds.toFixed(2),
          alerts: await counter(app, 'zm_detector_alerts_total'),
          cpuMicrosPerEvent: +((cpu.user + cpu.system) / timed.events).toFixed(1),
          redisRoundTripsPerEvent: +(
            (await counter(app, 'zm_detector_redis_round_trips_total')) / timed.events
          ).toFixed(4),
        };
        await app.stop();
        const redis = createRedis(p.redis);
        await redis.connect();
        const deleted = await deleteKeys(redis, prefix);
        redis.disconnect();
        runs.push(figures);
        console.error(
          `round ${round} ${p.name}: ${figures.eventsPerSec} events/s (${figures.seconds} s), ${figures.alerts} alerts; ${deleted} keys deleted`,
        );
      }
    }

    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      const m = Math.floor(s.length / 2);
      return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
    };
    const of = (name: Profile['name']) => runs.filter((r) => r.profile === name);
    const summary = (name: Profile['name']) => ({
      eventsPerSec: of(name).map((r) => r.eventsPerSec),
      medianEventsPerSec: median(of(name).map((r) => r.eventsPerSec)),
      cpuMicrosPerEvent: median(of(name).map((r) => r.cpuMicrosPerEvent)),
      redisRoundTripsPerEvent: of(name)[0]!.redisRoundTripsPerEvent,
      alerts: [...new Set(of(name).map((r) => r.alerts))],
    });
    const s = summary('single');
    const c = summary('cluster');
    const figures = {
      bench: 'profile',
      registrations: REGISTRATIONS,
      declarations: DECLARATIONS,
      events: total,
      partitions: PARTITIONS,
      rounds: ROUNDS,
      single: { brokers: single.brokers.length, redis: describeRedis(single.redis), ...s },
      cluster: { brokers: cluster.brokers.length, redis: describeRedis(cluster.redis), ...c },
      clusterToSingleRatio: +(c.medianEventsPerSec / s.medianEventsPerSec).toFixed(3),
    };
    console.log(
      `detector on the single-node vs the cluster profile (${REGISTRATIONS} registrations + ${DECLARATIONS} declarations, ${PARTITIONS} partitions, one detector process, ${ROUNDS} alternating rounds)`,
    );
    const line = (cells: Array<string | number>) =>
      console.log(cells.map((x, i) => String(x).padEnd(i === 0 ? 10 : 14)).join(' '));
    line(['profile', 'round', 'events/s', 'seconds', 'alerts', 'cpu µs/event', 'redis rt/event']);
    for (const r of runs)
      line([
        r.profile,
        r.round,
        r.eventsPerSec,
        r.seconds,
        r.alerts,
        r.cpuMicrosPerEvent,
        r.redisRoundTripsPerEvent,
      ]);
    line(['median', '', `single ${s.medianEventsPerSec}`, `cluster ${c.medianEventsPerSec}`]);
    line(['ratio', '', `cluster/single ${figures.clusterToSingleRatio}`]);
    console.log(JSON.stringify(figures));
  } finally {
    for (const p of created) {
      const admin = p.kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: topicsToDelete(p) }).catch(() => undefined);
      await admin.deleteGroups(groups.get(p.name) ?? []).catch(() => undefined);
      await admin.disconnect();
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
