// The detector's own CPU per event, without Kafka: the side-by-side data set's records, Avro-framed
// as a producer writes them, go through the detector's decode and batch pipeline (a private
// redis-server holds the state; alerts are encoded, not produced) in batches per partition as
// kafkajs hands them over. What it leaves out is kafkajs (fetch, parse, produce, commit), measured by
// the side-by-side run. Quick to repeat (seconds), so a change can be compared before and after on
// a noisy machine: interleave the runs and compare medians.
//
//   node --max-semi-space-size=64 --import tsx bench/detector-cpu.ts [events.ndjson] [--rounds 3]
//        [--batch 4000] [--ruleset FILE] [--cpu-prof DIR] [--redis-commands]
//   (default data: /tmp/zm-peer-data/v270000-s42/events.ndjson, made by ../shared/peer's run)
//
// Prints a table (CPU µs per event per step, from zm_detector_step_seconds_total and the decode
// time; `redis`: the private redis-server's own CPU per event, from INFO cpu, since it shares the
// cores; `--redis-commands` adds its time per command, INFO commandstats) and one JSON line
// {"detectorCpu": ...}. Each round also gives a digest of the published alerts (id, revision,
// status, reason, severity, score, rules, facts): a hot-path change must keep it. The pipeline's clock
// stands still during a round, so the digest does not depend on how fast the box runs it.
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Session } from 'node:inspector';
import { writeFile } from 'node:fs/promises';
import type { KafkaMessage } from 'kafkajs';
import { createLogger, createRedis, createRegistry } from '@zmwatch/kit';
import { contractPartition, createCodec, TOPICS, type Alert } from '@zmwatch/schemas';
import {
  createDecoder,
  createDetectorMetrics,
  createEntityStore,
  createProcessor,
  createStateStore,
  loadRuleset,
  type DetectorInput,
} from '@zmwatch/detector';
import { framedInputs } from './lib/framed-inputs.js';
import { commandUsec, redisCpuSeconds, startPrivateRedis } from './lib/private-redis.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '4000' },
    ruleset: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'redis-commands': { type: 'boolean', default: false },
  },
});
const file = positionals[0] ?? '/tmp/zm-peer-data/v270000-s42/events.ndjson';
const PARTITIONS = 6;
const BATCH = Number(args.batch);
const topics = { registrations: 'bench.registrations', declarations: 'bench.declarations' };
const ruleset = args.ruleset ? loadRuleset(args.ruleset) : loadRuleset();

const codec = await createCodec();
// ---- the data set as a broker would hand it over: framed values per (topic, partition), in order
type Msg = { topic: string; partition: number; message: KafkaMessage };
const queues = new Map<string, Msg[]>();
let n = 0;
const ts = String(Date.now());
for (const { topic: t, key, value } of framedInputs(file, codec)) {
  const topic = t === TOPICS.registrations ? topics.registrations : topics.declarations;
  const partition = contractPartition(key, PARTITIONS);
  const k = `${topic}/${partition}`;
  let q = queues.get(k);
  if (!q) queues.set(k, (q = []));
  const message = {
    key: Buffer.from(key),
    value,
    timestamp: ts,
    attributes: 0,
    offset: String(q.length),
    headers: {},
  } as unknown as KafkaMessage;
  q.push({ topic, partition, message });
  n++;
}
console.error(`${n} records in ${queues.size} topic-partitions; batches of ${BATCH}`);

/** What must not change when the hot path does: each published alert's id, revision and verdict. */
const alertLine = (a: Alert): string =>
  [
    a.alertId,
    a.revision,
    a.status,
    a.revisionReason,
    a.severity,
    a.score,
    a.rules.map((r) => r.ruleId).join('+'),
    JSON.stringify(a.facts),
  ].join('|');
/** Order-free digest of the published alerts (batches run in a fixed order, but say what is compared). */
const digest = (lines: string[]): string =>
  createHash('sha256').update(lines.sort().join('\n')).digest('hex').slice(0, 16);

const redis = await startPrivateRedis();
const rows: {
  round: number;
  cpuUs: number;
  /** The private redis-server's CPU (INFO cpu) per event: it shares the cores. */
  redisUs: number;
  decodeUs: number;
  steps: Record<string, number>;
  alerts: number;
  rechecks: number;
  alertsDigest: string;
}[] = [];
try {
  for (let round = 1; round <= Number(args.rounds); round++) {
    const client = createRedis({ url: redis.url });
    await client.connect();
    await client.flushall();
    const registry = createRegistry(`bench${round}`);
    const metrics = createDetectorMetrics(registry);
    const logger = createLogger('bench', 'warn');
    const keys = { prefix: `b${round}`, bucketsPerPartition: 1024, velocityBucketsPerPartition: 1024 };
    const store = createStateStore(client, keys, { cacheBuckets: 32_768 });
    await store.checkLayout([
      { name: topics.registrations, partitions: PARTITIONS },
      { name: topics.declarations, partitions: PARTITIONS },
    ]);
    let alerts = 0;
    let rechecks = 0;
    const startedAt = Date.now();
    const published: string[] = [];
    const entitySignals = ruleset.entitySignals;
    const processor = createProcessor({
      store,
      // The entity stage as the app wires it; the reach-back's recheck requests are counted, not
      // produced and fed back (the side-by-side and quality benches run that loop).
      ...(entitySignals
        ? {
            entities: {
              store: createEntityStore(client, keys.prefix, entitySignals),
              requestRechecks: async (r: readonly unknown[]) => void (rechecks += r.length),
            },
          }
        : {}),
      ruleset,
      revisions: { minIntervalSeconds: 30 },
      // One instant per round: with the wall clock, a round slower than the 30 s rate limit (a loaded
      // box) publishes revisions a fast one defers, and the digest would change with the load.
      now: () => startedAt,
      publish: async (a: Alert[]) => {
        for (const x of a) {
          codec.encode(TOPICS.alerts, x);
          published.push(alertLine(x));
        }
        alerts += a.length;
      },
      logger,
      metrics,
    });
    const decode = createDecoder(codec, topics);
    const profile = args['cpu-prof'] && round === Number(args.rounds) ? new Session() : undefined;
    if (profile) {
      profile.connect();
      await new Promise((r) => profile.post('Profiler.enable', () => profile.post('Profiler.start', r)));
    }
    const cursors = new Map([...queues.keys()].map((k) => [k, 0]));
    let decodeNs = 0n;
    const r0 = await redisCpuSeconds(client);
    const u0 = args['redis-commands'] ? await commandUsec(client) : undefined;
    const c0 = process.cpuUsage();
    // rounds over the partitions, each a batch of registrations then one of declarations
    for (let left = true; left;) {
      left = false;
      for (let p = 0; p < PARTITIONS; p++) {
        for (const topic of [topics.registrations, topics.declarations]) {
          const k = `${topic}/${p}`;
          const q = queues.get(k) ?? [];
          const at = cursors.get(k) ?? 0;
          if (at >= q.length) continue;
          left = true;
          const batch = q.slice(at, at + BATCH);
          cursors.set(k, at + batch.length);
          const d0 = process.hrtime.bigint();
          const inputs: DetectorInput[] = [];
          // As the kit's batch consumer does: a promise (an unseen registry id) only is awaited.
          for (const m of batch) {
            const v = decode(m.message, m.topic, m.partition);
            inputs.push(v instanceof Promise ? await v : v);
          }
          decodeNs += process.hrtime.bigint() - d0;
          await processor.process(p, processor.group(inputs));
        }
      }
    }
    const c = process.cpuUsage(c0);
    const redisS = (await redisCpuSeconds(client)) - r0;
    if (u0) {
      // Server time per command (scripts' inner calls are counted under their own names too).
      const per = [...(await commandUsec(client))].map(
        ([cmd, us]) => [cmd, (us - (u0.get(cmd) ?? 0)) / n] as const,
      );
      console.error(
        `round ${round} redis µs/ev by command: ` +
          per
            .filter(([, us]) => us >= 0.05)
            .sort((a, b) => b[1] - a[1])
            .map(([cmd, us]) => `${cmd} ${us.toFixed(2)}`)
            .join(', '),
      );
    }
    if (profile) {
      const { profile: prof } = await new Promise<{ profile: object }>((r, j) =>
        profile.post('Profiler.stop', (e, v) => (e ? j(e) : r(v as { profile: object }))),
      );
      const out = `${args['cpu-prof']}/detector-cpu.cpuprofile`;
      await writeFile(out, JSON.stringify(prof));
      console.error(`profile: ${out}`);
    }
    const steps: Record<string, number> = {};
    const m = registry.getSingleMetric('zm_detector_step_seconds_total') as unknown as {
      get(): Promise<{ values: { value: number; labels: { step?: string } }[] }>;
    };
    for (const v of (await m.get()).values) steps[v.labels.step ?? '?'] = (v.value * 1e6) / n;
    rows.push({
      round,
      cpuUs: (c.user + c.system) / n,
      redisUs: (redisS * 1e6) / n,
      decodeUs: Number(decodeNs) / 1000 / n,
      steps,
      alerts,
      rechecks,
      alertsDigest: digest(published),
    });
    await client.quit();
  }
} finally {
  await redis.stop();
}
const names = [...new Set(rows.flatMap((r) => Object.keys(r.steps)))];
console.error(
  ['round', 'CPU µs/ev', 'redis', 'decode', ...names, 'alerts', 'digest']
    .map((h) => h.padStart(10))
    .join(' '),
);
for (const r of rows)
  console.error(
    [
      r.round,
      r.cpuUs.toFixed(1),
      r.redisUs.toFixed(1),
      r.decodeUs.toFixed(1),
      ...names.map((s) => (r.steps[s] ?? 0).toFixed(1)),
      r.alerts,
      r.alertsDigest,
    ]
      .map((v) => String(v).padStart(10))
      .join(' '),
  );
const sorted = rows.map((r) => r.cpuUs).sort((a, b) => a - b);
console.log(
  JSON.stringify({
    detectorCpu: {
      file,
      events: n,
      batch: BATCH,
      ruleset: ruleset.version,
      medianCpuUs: sorted[Math.floor(sorted.length / 2)],
      rounds: rows,
    },
  }),
);
