// The co-partitioned assignor in a real consumer group (the stack's Kafka): 4 members, two topics of
// 6 partitions. kafkajs's round-robin would give registrations-0 and declarations-0 to two members.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { logLevel, PartitionAssigners, type Consumer } from 'kafkajs';
import {
  stackAddresses,
  coPartitionedAssigner,
  CO_PARTITIONED_ASSIGNER_NAME,
  createKafka,
  createLogger,
} from '../src/index.js';
import { createTopicsReady } from '../src/topic-admin.js';

const brokers = stackAddresses().brokers;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('four members each own the same partition numbers on both topics', { timeout: 90_000 }, async () => {
  const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const topics = [`kit-cop-a-${id}`, `kit-cop-b-${id}`];
  const kafka = createKafka({
    clientId: 'kit-test',
    brokers,
    logger: createLogger('kit-test', 'silent'),
    level: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsReady(
    admin,
    topics.map((topic) => ({ topic, numPartitions: 6 })),
  );
  const latest = new Map<string, { protocol: string; assignment: Record<string, number[]> }>();
  const consumers: Consumer[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const c = kafka.consumer({
        groupId: `kit-cop-${id}`,
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
        partitionAssigners: [coPartitionedAssigner, PartitionAssigners.roundRobin],
      });
      c.on(c.events.GROUP_JOIN, (e) =>
        latest.set(String(i), {
          protocol: e.payload.groupProtocol,
          assignment: e.payload.memberAssignment,
        }),
      );
      await c.connect();
      await c.subscribe({ topics, fromBeginning: true });
      await c.run({ eachMessage: async () => {} });
      consumers.push(c);
    }
    // Settled: all four joined and their latest assignments own every partition of both topics once
    // (a member still holding an older generation's assignment would overlap).
    const deadline = Date.now() + 60_000;
    for (;;) {
      const views = [...latest.values()];
      const owned = views.flatMap((v) =>
        topics.flatMap((t) => (v.assignment[t] ?? []).map((p) => `${t}:${p}`)),
      );
      if (views.length === 4 && new Set(owned).size === 12 && owned.length === 12) break;
      if (Date.now() > deadline) assert.fail(`group did not settle: ${JSON.stringify([...latest])}`);
      await sleep(200);
    }
    for (const v of latest.values()) {
      assert.equal(v.protocol, CO_PARTITIONED_ASSIGNER_NAME);
      assert.deepEqual(v.assignment[topics[0]!] ?? [], v.assignment[topics[1]!] ?? []);
    }
  } finally {
    await Promise.all(consumers.map((c) => c.disconnect()));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  }
});
