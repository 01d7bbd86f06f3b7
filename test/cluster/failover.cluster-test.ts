// Fault tests of the cluster profile (infra/bin/test's cluster suite, also CI's): a detector streams a
// known data set while one Kafka broker, or one Redis Cluster master, is SIGKILLed; every expected
// alert id must arrive, none unexpected, at most MAX_PHYSICAL_DUPLICATES alert records written twice,
// and the killed server is brought back by `stack up --profile cluster`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { alertIdFor } from '@zmwatch/schemas';
import { createRedis, loadRedisConnection, type RedisConnection } from '@zmwatch/kit';
import { createApp, loadRuleset } from '@zmwatch/detector';
import {
  collectAlerts,
  createTestTopics,
  deleteTestTopics,
  EventProducer,
  testConfig,
} from '@zmwatch/test-support/detector-pipeline';
import { mixedCases } from '@zmwatch/test-support/events';
import { quietLogger, testKafka, uniqueName, waitFor } from '@zmwatch/test-support/stack';
import { cluster, killBusiestBroker, pidOf, offCluster, stackUpCluster } from './cluster-stack.js';

/** Removes this run's keys from every master (SCAN is per node on a cluster). */
async function deleteClusterKeys(conn: RedisConnection, prefix: string): Promise<void> {
  const c = createRedis(conn) as Cluster;
  await c.connect();
  try {
    for (const node of c.nodes('master')) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        for (const k of keys) await c.unlink(k);
      } while (cursor !== '0');
    }
    await c.unlink(`${prefix}:layout`);
  } finally {
    c.disconnect();
  }
}

/**
 * Sends like a producer that outlives a broker: a send that fails (its broker died before the
 * leaders moved) is sent again; repeated input events are no-ops for the detector.
 */
async function sendRetrying(
  events: EventProducer,
  batch: Parameters<EventProducer['send']>[0],
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await events.send(batch);
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 500));
      await events.producer.connect().catch(() => undefined);
    }
  }
}

/**
 * Where a stalled run stopped: input records on the topics vs. what the detector's group committed,
 * alert records on the topic vs. what the collector read (a lost input record and a stuck detector
 * look alike from the alert ids alone).
 */
async function whereItStalled(
  admin: Admin,
  topics: { registrations: string; declarations: string; alerts: string },
  groupId: string,
  collected: ReadonlyArray<{ partition: number }>,
): Promise<string> {
  const sum = (xs: Array<{ high: string }>) => xs.reduce((s, x) => s + Number(x.high), 0);
  const parts: string[] = [];
  for (const topic of [topics.registrations, topics.declarations]) {
    const ends = await admin.fetchTopicOffsets(topic);
    const [group] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = group!.partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
    parts.push(`${topic}: ${sum(ends)} records, ${committed} committed`);
  }
  parts.push(
    `${topics.alerts}: ${sum(await admin.fetchTopicOffsets(topics.alerts))} records, ${collected.length} collected`,
  );
  return `stalled: ${parts.join('; ')}`;
}

/**
 * The physical duplicates a fault may cause on the alerts topic: 0 measured in ten broker-kill runs,
 * plus a margin (README, "Duplicates of the broker kill, measured"). The detector survives these
 * faults, so its in-memory record of acknowledged alert ids keeps a retried batch from producing them
 * again; what is left is a publish acknowledged in part when its batch fails. Consumers of
 * zm.alerts.v1 de-duplicate by alert id and revision in any case.
 */
const MAX_PHYSICAL_DUPLICATES = 10;
/**
 * A Redis master SIGKILLed mid-batch fails that batch's state write after its alerts were produced;
 * the batch is retried and produces them again (same id and revision). So the bound is what it was:
 * one in-flight batch per concurrently handled partition (164 measured in one run on 2026-12-07).
 */
const MAX_DUPLICATES_REDIS_FAILOVER = 200;

interface Fault {
  /** Kills a server once alerts flow; returns what it killed. */
  inject(ctx: {
    admin: Admin;
    topics: { registrations: string; declarations: string; alerts: string };
    prefix: string;
  }): Promise<string>;
  /** Components to bring back afterwards. */
  restore: string;
  /** Physical duplicates this fault may cause (see the constants above). */
  maxDuplicates: number;
}

async function streamThroughFault(t: test.TestContext, name: string, fault: Fault): Promise<void> {
  const say = (m: string) =>
    process.stderr.write(`[${name} ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
  await stackUpCluster(); // every server healthy before the fault (seconds when it is)
  say('stack healthy');
  const id = uniqueName(`zmcl-${name}`);
  const ruleset = loadRuleset();
  const redis = loadRedisConnection(process.env);
  const kafka = testKafka(id);
  const admin = kafka.admin();
  await admin.connect();
  const topics = await createTestTopics(admin, id);
  const meta = await admin.fetchTopicMetadata({ topics: [topics.registrations, topics.alerts] });
  assert.ok(
    meta.topics.every((m) => m.partitions.every((p) => p.replicas.length === 3)),
    'topics on the cluster profile get three replicas',
  );
  const events = await EventProducer.create(kafka, topics);
  const alerts = await collectAlerts(kafka, topics.alerts);
  const app = createApp(testConfig(id, topics, { redis, maxRetryDelayMs: 500 }, ruleset), {
    logger: quietLogger,
  });
  let injected = false;
  let killed = '';
  try {
    await app.start();
    say('detector started');
    // Two of three VINs are zero-mileage exports; registrants spread over every partition, so the
    // velocity reads cross slots (and masters).
    const now = Date.now();
    const cases = mixedCases({
      id,
      count: 1500,
      cleanEvery: 3,
      now,
      youngDays: 12,
      oldDays: 500,
      party: (i) => `P-${i % 97}`,
    });
    const expected = new Set(
      cases.filter((c) => c.suspicious).map((c) => alertIdFor(c.vin, c.decl.declarationId, ruleset.version)),
    );
    const sending = (async () => {
      for (let i = 0; i < cases.length; i += 30) {
        const chunk = cases.slice(i, i + 30);
        await sendRetrying(
          events,
          chunk.flatMap((c, k) =>
            k % 2 ? [{ decl: c.decl }, { reg: c.reg }] : [{ reg: c.reg }, { decl: c.decl }],
          ),
        );
        await new Promise((r) => setTimeout(r, 60));
      }
    })();
    sending.catch(() => undefined); // awaited below; a failure must not surface as unhandled
    await waitFor('alerts flowing', () => alerts.items.length >= 100, 60_000);
    const t0 = Date.now();
    injected = true;
    say(`${alerts.items.length} alerts: injecting the fault`);
    killed = await fault.inject({ admin, topics, prefix: id });
    say(`killed ${killed}`);
    const atKill = alerts.items.length;
    await sending;
    say('input sent');
    await waitFor(
      `all ${expected.size} alert ids`,
      () => new Set(alerts.items.map((a) => a.alert.alertId)).size >= expected.size,
      120_000,
      250,
    ).catch(async (err: unknown) => {
      say(await whereItStalled(admin, topics, `${id}-detector`, alerts.items));
      throw err;
    });
    const recoveredMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 1500)); // stragglers (replays)
    const ids = alerts.items.map((a) => a.alert.alertId);
    const distinct = new Set(ids);
    // Physical duplicates are alert records written twice to the topic; the collector's own consumer
    // may also be handed a record again (its group coordinator can be the killed broker), which
    // says nothing about the detector: those re-deliveries are counted apart.
    const records = (await admin.fetchTopicOffsets(topics.alerts)).reduce((n, p) => n + Number(p.high), 0);
    // Records with the same alert id and revision: a later revision of an alert is not a duplicate.
    const duplicates =
      records - new Set(alerts.items.map((a) => `${a.alert.alertId}/${a.alert.revision}`)).size;
    const redelivered = ids.length - new Set(alerts.items.map((a) => `${a.partition}:${a.offset}`)).size;
    t.diagnostic(
      `${name}: killed ${killed} after ${atKill} alerts; ${records} alert records, ${distinct.size} distinct ids (expected ${expected.size}), ` +
        `${duplicates} physical duplicates, ${redelivered} re-deliveries to the collector; all alerts ${(recoveredMs / 1000).toFixed(1)} s after the kill`,
    );
    assert.deepEqual(
      [...expected].filter((x) => !distinct.has(x)),
      [],
      'no alert lost',
    );
    assert.deepEqual(
      [...distinct].filter((x) => !expected.has(x)),
      [],
      'no unexpected alert',
    );
    assert.ok(
      duplicates <= fault.maxDuplicates,
      `at most ${fault.maxDuplicates} physical duplicates (README, "Fault tests of the cluster profile"), got ${duplicates}`,
    );
  } finally {
    say('cleaning up');
    await app.stop().catch(() => undefined);
    await alerts.stop().catch(() => undefined);
    await events.close().catch(() => undefined);
    // Whatever fails here, the admin client is closed: an open one would hold the file to the
    // runner's timeout (a killed broker slow to come back on a loaded machine did).
    try {
      if (injected) await stackUpCluster(fault.restore);
      await deleteTestTopics(admin, topics);
    } finally {
      await admin.disconnect();
      await deleteClusterKeys(redis, id);
    }
  }
}

test(
  'cluster profile: a Kafka broker SIGKILLed mid-stream — leaders move, no alert lost',
  { timeout: 300_000 },
  async (t) => {
    if (offCluster(t)) return;
    await streamThroughFault(t, 'broker', {
      restore: 'kafka',
      maxDuplicates: MAX_PHYSICAL_DUPLICATES,
      async inject({ admin, topics }) {
        // The broker leading the most partitions of the input and alert topics.
        const victim = await killBusiestBroker(
          admin,
          [topics.registrations, topics.alerts],
          [topics.registrations, topics.declarations, topics.alerts],
        );
        return `kafka-${victim}`;
      },
    });
  },
);

test(
  'cluster profile: a Redis Cluster master SIGKILLed mid-stream — its replica takes over, no alert lost',
  { timeout: 300_000 },
  async (t) => {
    if (offCluster(t)) return;
    await streamThroughFault(t, 'redis', {
      restore: 'redis',
      maxDuplicates: MAX_DUPLICATES_REDIS_FAILOVER,
      async inject({ prefix }) {
        // The master serving partition 0's state buckets.
        const c = createRedis(loadRedisConnection(process.env)) as Cluster;
        await c.connect();
        let port: number;
        try {
          const slot = Number(await c.call('CLUSTER', 'KEYSLOT', `${prefix}:{p0}:s0`));
          const nodes = String(await c.call('CLUSTER', 'NODES'))
            .trim()
            .split('\n');
          const master = nodes.find((l) => {
            const f = l.split(' ');
            return (
              /master/.test(f[2]!) &&
              f.slice(8).some((r) => {
                const [a, b] = r.split('-').map(Number);
                return slot >= a! && slot <= (b ?? a)!;
              })
            );
          })!;
          port = Number(master.split(' ')[1]!.split(':')[1]!.split('@')[0]);
        } finally {
          c.disconnect();
        }
        const index = cluster.redisNodes.findIndex((n) => n.port === port);
        process.kill(pidOf(`redis-${index + 1}`), 'SIGKILL');
        // A replica is promoted after cluster-node-timeout (3 s) and an election: the dead node is
        // flagged failed and the cluster is whole again.
        const other = cluster.redisNodes.find((n) => n.port !== port)!;
        await waitFor(
          'a replica promoted',
          async () => {
            const r = new Redis({
              host: cluster.host,
              port: other.port,
              lazyConnect: true,
              maxRetriesPerRequest: 0,
            });
            r.on('error', () => {});
            try {
              await r.connect();
              const dead = String(await r.call('CLUSTER', 'NODES'))
                .split('\n')
                .find((l) => l.includes(`:${port}@`));
              return (
                /fail(?!\?)/.test(dead?.split(' ')[2] ?? '') &&
                /cluster_state:ok/.test(String(await r.call('CLUSTER', 'INFO')))
              );
            } catch {
              return false;
            } finally {
              r.disconnect();
            }
          },
          30_000,
          250,
        );
        return `redis-${index + 1} (master at :${port})`;
      },
    });
  },
);
