// Convergence of alert revisions (issues 13 and 20): one seeded simulator data set streamed through
// the real detector (Kafka + Redis) in a chosen arrival order, optionally with a fault, and the latest
// revision of every alert compared with what the detector's pure functions compute from all events at
// once (mergeEvents over every event of each VIN, final registrant velocity, the entity windows of
// every VIN's final state, evaluate) — the full ruleset, entity signals included.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import {
  createApp,
  DETECTOR_NODE_FLAGS,
  entityCountsOf,
  entityRecheckTopicFor,
  evaluate,
  loadRuleset,
  mergeEvents,
  observationsOf,
  updateInMemory,
  vinObservations,
  type DetectorConfig,
  type DetectorEvent,
  type EntityWindow,
  type MemberChange,
  type Ruleset,
  type WindowUpdate,
} from '@zmwatch/detector';
import { stackAddresses, createConsumer, createLogger } from '@zmwatch/kit';
import {
  alertIdFor,
  createCodec,
  DAY_MS,
  TOPICS,
  validateVin,
  type Alert,
  type Codec,
  type Severity,
} from '@zmwatch/schemas';
import { generateScenario, produceToKafka, type SimEvent } from '@zmwatch/simulator';
import { PrivateRedis } from '@zmwatch/test-support/private-redis';
import { deleteRedisKeys } from '@zmwatch/test-support/stack';
import { PrivateKafka } from './private-kafka.js';

export const BROKERS = stackAddresses().brokers;
export const REDIS_URL = stackAddresses().redisUrl;
/** Private Redis for the restart fault (this helper's port range 27000-27099). */
const PRIVATE_REDIS_PORT = 27001;

export type Order = 'arrival' | 'reversed' | 'shuffled';
export type Fault = 'none' | 'detector-sigkill' | 'redis-restart' | 'kafka-restart';

export interface Verdict {
  score: number;
  severity: Severity;
  rules: string[];
}

/**
 * A short grace period (and, in the runs, a 1 s rate limit) so late registrations, re-checks and
 * deferred revisions happen within seconds. It must outlast each fault's backlog (a SIGKILLed
 * detector is replaced after the 6 s session timeout): the velocity re-check comes one grace period
 * after an evaluation, and registrations still queued behind a longer outage would miss it.
 */
/**
 * The shipped ruleset, entity signals included, with a short grace period. An entity window's count
 * at a declaration's first evaluation depends on which of the entity's other vehicles arrived first;
 * the reach-back (a crossing re-evaluates the entity's members) makes the latest revision that of
 * the windows over all events.
 */
export function convergenceRuleset(): Ruleset {
  const r = loadRuleset();
  return { ...r, timing: { ...r.timing, gracePeriodSeconds: 12 } };
}

/**
 * For runs with a pause longer than the grace period between the halves: the full ruleset with
 * registrant velocity out of reach. Velocity is a count of other VINs' registrations too, and its
 * re-check comes one grace period after an evaluation (detector README, Revisions: "Limit"), so a
 * pause longer than that would leave it behind; the entity signals, whose reach-back follows a
 * threshold whenever it is crossed, must not need the re-check.
 */
export function reachBackRuleset(): Ruleset {
  const r = convergenceRuleset();
  const velocity = { ...r.rules.registrantVelocity, threshold: 1_000_000 };
  return { ...r, rules: { ...r.rules, registrantVelocity: velocity } };
}

/**
 * The seeded data set, its stories starting 30 days before today (UTC): the sweeper drops registrant
 * velocity counters older than stateTtlDays + windowDays by the processing clock, so a data set
 * dated further back would lose them at once (see the report of issue 13).
 */
export function dataSet(seed: number, vehicles: number): SimEvent[] {
  const startTime = (Math.floor(Date.now() / DAY_MS) - 30) * DAY_MS;
  const out: SimEvent[] = [];
  for (const e of generateScenario({ seed, vehicles, noise: 'default', startTime }).events()) out.push(e);
  return out;
}

export function reorder(events: readonly SimEvent[], order: Order, seed = 7): SimEvent[] {
  if (order === 'arrival') return [...events];
  if (order === 'reversed') return [...events].reverse();
  const a = [...events];
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** The ACTIVE alerts the pure evaluator computes from all events (any order: the merge is order-free). */
export function expectedAlerts(
  events: readonly SimEvent[],
  codec: Codec,
  ruleset: Ruleset,
): Map<string, Verdict> {
  const byVin = new Map<string, DetectorEvent[]>();
  for (const e of events) {
    const bytes = e.value === null ? e.bytes : codec.encode(e.topic, e.value as never);
    let ev: DetectorEvent;
    try {
      const d = codec.decodeSync(bytes, e.topic);
      const v = validateVin(d.record.vin);
      if (!v.ok) continue;
      ev =
        d.topic === TOPICS.registrations
          ? { kind: 'registration', event: { ...d.record, vin: v.vin }, arrival: 0 }
          : { kind: 'declaration', event: { ...d.record, vin: v.vin }, arrival: 0 };
    } catch {
      continue; // dead-lettered by the detector too
    }
    const list = byVin.get(ev.event.vin);
    if (list) list.push(ev);
    else byVin.set(ev.event.vin, [ev]);
  }
  const states = [...byVin].map(([vin, evs]) => ({
    vin,
    state: mergeEvents(undefined, evs, ruleset, 0).state,
  }));
  const perDay = new Map<string, number>();
  for (const { state } of states) {
    const r = state.registration;
    if (r) {
      const k = `${Math.floor(r.time / DAY_MS)}:${r.partyId}`;
      perDay.set(k, (perDay.get(k) ?? 0) + 1);
    }
  }
  const w = ruleset.rules.registrantVelocity.windowDays;
  // The entity windows of all events: every VIN's membership as its final state has it.
  const cfg = ruleset.entitySignals;
  const windows = new Map<string, EntityWindow>();
  if (cfg) {
    const updates = new Map<string, WindowUpdate>();
    for (const { vin, state } of states)
      for (const o of vinObservations(state, cfg)) {
        const u = updates.get(o.key) ?? { key: o.key, kind: o.kind, changes: [] };
        (u.changes as MemberChange[]).push({ vin, time: o.time });
        updates.set(o.key, u);
      }
    updateInMemory(windows, [...updates.values()], cfg);
  }
  const out = new Map<string, Verdict>();
  for (const { vin, state } of states) {
    const r = state.registration;
    let velocity: number | null = null;
    if (r) {
      const day = Math.floor(r.time / DAY_MS);
      velocity = 0;
      for (let d = day - w + 1; d <= day + w - 1; d++) velocity += perDay.get(`${d}:${r.partyId}`) ?? 0;
    }
    const v = validateVin(vin);
    const subject = {
      vin,
      vinCheckDigitValid: v.ok && v.checkDigitValid,
      state,
      registrantVelocity: velocity,
    };
    for (const d of state.declarations) {
      if (d.status === 'cancelled') continue;
      const entityCounts = cfg
        ? entityCountsOf(observationsOf(state, d, cfg), (k) => windows.get(k), cfg)
        : undefined;
      const ev = evaluate(entityCounts ? { ...subject, entityCounts } : subject, d, ruleset);
      if (ev.alert && ev.severity)
        out.set(alertIdFor(vin, d.declarationId, ruleset.version), {
          score: ev.score,
          severity: ev.severity,
          rules: ev.rules.map((x) => x.ruleId).sort(),
        });
    }
  }
  return out;
}

export interface RunResult {
  /** Latest revision per alertId. */
  latest: Map<string, Alert>;
  messages: number;
  /** Alert ids with at least one revision (revision >= 1) of each reason. */
  reasons: Record<string, number>;
  seconds: number;
}

/** Streams `events` (in this order) through a real detector, with `fault` halfway, until it is quiet. */
export async function runPipeline(o: {
  events: SimEvent[];
  ruleset: Ruleset;
  fault: Fault;
  /** Pause between the halves for longer than the grace period (see reachBackRuleset). */
  pause?: boolean;
}): Promise<RunResult> {
  const started = performance.now();
  const run = `zmconv-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const topics = { registrations: `${run}.reg`, declarations: `${run}.decl`, alerts: `${run}.alerts` };
  const allTopics = [
    topics.registrations,
    topics.declarations,
    topics.alerts,
    `${topics.registrations}.dlq`,
    `${topics.declarations}.dlq`,
    `${topics.registrations}.repartition`,
    `${topics.declarations}.repartition`,
    entityRecheckTopicFor(topics.declarations),
  ];
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const privateKafka = o.fault === 'kafka-restart' ? await PrivateKafka.start() : undefined;
  const brokers = privateKafka ? [privateKafka.address] : BROKERS;
  const kafka = new Kafka({ clientId: run, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: allTopics.slice(0, 5).map((topic) => ({ topic, numPartitions: topic.endsWith('.dlq') ? 1 : 3 })),
  });
  const codec = await createCodec();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const privateRedis = o.fault === 'redis-restart' ? await PrivateRedis.start(PRIVATE_REDIS_PORT) : undefined;
  const redisUrl = privateRedis?.url ?? REDIS_URL;
  const dir = mkdtempSync(join(tmpdir(), 'zmconv-'));
  const rulesetFile = join(dir, 'ruleset.json');
  writeFileSync(rulesetFile, JSON.stringify(o.ruleset));
  const groupId = `${run}-detector`;
  const config: DetectorConfig = {
    brokers,
    clientId: run,
    groupId,
    topics,
    fromBeginning: true,
    sessionTimeoutMs: 6_000,
    maxRetryDelayMs: 500,
    redis: { url: redisUrl },
    keys: { prefix: run, bucketsPerPartition: 16, velocityBucketsPerPartition: 16 },
    cacheBuckets: 4096,
    ruleset: o.ruleset,
    revisionMinIntervalSeconds: 1,
    sweep: { intervalMs: 200, bucketsPerTick: 16 },
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    logLevel: 'silent',
  };
  const env: Record<string, string> = {
    ZM_KAFKA_BROKERS: brokers.join(','),
    ZM_REDIS_URL: redisUrl,
    ZM_LOG_LEVEL: 'error',
    ZM_DETECTOR_GROUP_ID: groupId,
    ZM_DETECTOR_REGISTRATIONS_TOPIC: topics.registrations,
    ZM_DETECTOR_DECLARATIONS_TOPIC: topics.declarations,
    ZM_DETECTOR_ALERTS_TOPIC: topics.alerts,
    ZM_DETECTOR_KEY_PREFIX: run,
    ZM_DETECTOR_BUCKETS_PER_PARTITION: '16',
    ZM_DETECTOR_VELOCITY_BUCKETS_PER_PARTITION: '16',
    ZM_DETECTOR_SESSION_TIMEOUT_MS: '6000',
    ZM_DETECTOR_MAX_RETRY_DELAY_MS: '500',
    ZM_DETECTOR_METRICS_PORT: '0',
    ZM_DETECTOR_RULESET: rulesetFile,
    ZM_DETECTOR_REVISION_MIN_INTERVAL_SECONDS: '1',
    ZM_DETECTOR_SWEEP_INTERVAL_MS: '200',
    ZM_DETECTOR_SWEEP_BUCKETS_PER_TICK: '16',
  };

  const latest = new Map<string, { alert: Alert; partition: number; offset: bigint }>();
  let messages = 0;
  const reasonsOf = new Map<string, Set<string>>();
  let lastAlertAt = performance.now();
  let child: ChildProcess | undefined;
  // A child process where the fault must not hang us: SIGKILL, and a broker restart after which a
  // stuck in-process app could keep the test alive.
  const app =
    o.fault === 'detector-sigkill' || o.fault === 'kafka-restart'
      ? undefined
      : createApp(config, { logger: createLogger('conv', 'silent') });
  const alertGroups = [`${run}-alerts`];
  /** Reads the alerts topic from the beginning into `latest` (idempotent: re-reading is harmless). */
  const readAlerts = async (groupId: string): Promise<Consumer> => {
    const c = createConsumer(kafka, { groupId, maxWaitTimeInMs: 100 }); // its disconnect is final
    await c.connect();
    await c.subscribe({ topic: topics.alerts, fromBeginning: true });
    await c.run({
      eachMessage: async ({ message, partition }) => {
        const a = codec.decodeSync(message.value, TOPICS.alerts).record;
        messages++;
        if (a.revision > 0) {
          const seen = reasonsOf.get(a.alertId) ?? new Set<string>();
          seen.add(a.revisionReason ?? 'null');
          reasonsOf.set(a.alertId, seen);
        }
        lastAlertAt = performance.now();
        const prev = latest.get(a.alertId);
        const offset = BigInt(message.offset);
        // The contract: highest revision wins; at equal revisions the later record of the partition.
        if (
          !prev ||
          a.revision > prev.alert.revision ||
          (a.revision === prev.alert.revision && offset > prev.offset)
        )
          latest.set(a.alertId, { alert: a, partition, offset });
      },
    });
    return c;
  };
  let alertConsumer: Consumer | undefined;
  try {
    alertConsumer = await readAlerts(alertGroups[0]!);
    if (app) await app.start();
    else child = spawnDetector(env);

    const half = Math.floor(o.events.length / 2);
    const produce = (events: SimEvent[]) =>
      produceToKafka({ events, producer, codec, topics, maxBatch: 200 });
    await produce(o.events.slice(0, half));
    if (o.fault === 'detector-sigkill') {
      await waitUntil('the first alerts', () => messages > 0, 60_000);
      child!.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      child = spawnDetector(env);
    } else if (o.fault === 'redis-restart') {
      await new Promise((r) => setTimeout(r, 500));
      await privateRedis!.stopServer();
      await new Promise((r) => setTimeout(r, 1500));
      await privateRedis!.startServer();
    } else if (o.fault === 'kafka-restart') {
      // Mid-stream: the detector has consumed part of the first half and holds uncommitted batches.
      await waitUntil('the first alerts', () => messages > 0, 60_000);
      await privateKafka!.stop('SIGKILL');
      await new Promise((r) => setTimeout(r, 2000));
      await privateKafka!.start();
      // kafkajs does not always bring a consumer back from a dead broker: read the alerts anew.
      await alertConsumer.disconnect().catch(() => undefined);
      latest.clear();
      reasonsOf.clear();
      messages = 0;
      alertGroups.push(`${run}-alerts-2`);
      alertConsumer = await readAlerts(alertGroups[1]!);
    }
    if (o.pause) {
      // Longer than the grace period once the first half is in: the velocity re-checks of the first
      // half's evaluations are over before the second half arrives, so whatever the second half
      // changes in an entity window reaches those declarations only through the reach-back.
      await waitForCommitted(admin, groupId, [topics.registrations, topics.declarations], 120_000);
      await new Promise((r) => setTimeout(r, o.ruleset.timing.gracePeriodSeconds * 1000 + 3000));
    }
    await produce(o.events.slice(half));
    await waitForCommitted(admin, groupId, [topics.registrations, topics.declarations], 120_000);
    // Every re-check was scheduled at most a grace period after an evaluation that happened before
    // the input was consumed; deferred revisions and their evaluations follow within seconds.
    const caughtUp = performance.now();
    const graceMs = o.ruleset.timing.gracePeriodSeconds * 1000;
    while (performance.now() - caughtUp < graceMs + 2000 || performance.now() - lastAlertAt < 2500)
      await new Promise((r) => setTimeout(r, 250));
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    await app?.stop().catch(() => undefined);
    await alertConsumer?.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: allTopics }).catch(() => undefined);
    await admin.deleteGroups([groupId, ...alertGroups]).catch(() => undefined);
    await admin.disconnect();
    if (privateKafka) await privateKafka.destroy();
    if (privateRedis) await privateRedis.destroy();
    else await deleteRedisKeys(run, redisUrl);
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    latest: new Map([...latest].map(([k, v]) => [k, v.alert])),
    messages,
    reasons: countReasons(reasonsOf),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

export interface Comparison {
  expected: number;
  active: number;
  withdrawn: number;
  missing: string[];
  extra: string[];
  different: Array<{ alertId: string; expected: Verdict; actual: Verdict }>;
  revised: number;
}

export function compare(expected: Map<string, Verdict>, latest: Map<string, Alert>): Comparison {
  const missing: string[] = [];
  const extra: string[] = [];
  const different: Comparison['different'] = [];
  let active = 0;
  let revised = 0;
  for (const [id, a] of latest) {
    if (a.revision > 0) revised++;
    if (a.status !== 'ACTIVE') continue;
    active++;
    const e = expected.get(id);
    const actual = { score: a.score, severity: a.severity, rules: a.rules.map((r) => r.ruleId).sort() };
    if (!e) extra.push(id);
    else if (JSON.stringify(e) !== JSON.stringify(actual))
      different.push({ alertId: id, expected: e, actual });
  }
  for (const id of expected.keys()) if (latest.get(id)?.status !== 'ACTIVE') missing.push(id);
  return {
    expected: expected.size,
    active,
    withdrawn: latest.size - active,
    missing,
    extra,
    different,
    revised,
  };
}

function countReasons(reasonsOf: ReadonlyMap<string, ReadonlySet<string>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const set of reasonsOf.values()) for (const r of set) out[r] = (out[r] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort());
}

function spawnDetector(env: Record<string, string>): ChildProcess {
  const main = new URL('../../services/detector/src/main.ts', import.meta.url).pathname;
  return spawn(process.execPath, [...DETECTOR_NODE_FLAGS, '--import', 'tsx', main], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitUntil(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForCommitted(
  admin: Admin,
  groupId: string,
  topics: string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let lag = 0;
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const p of ends) {
        const c = committed?.partitions.find((x) => x.partition === p.partition)?.offset ?? '-1';
        lag += Number(p.high) - Math.max(0, Number(c));
      }
    }
    if (lag === 0) return;
    if (Date.now() > deadline) throw new Error(`detector lag ${lag} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
