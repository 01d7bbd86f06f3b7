// A producer that spans partitions led by different brokers, while the busiest broker is SIGKILLed:
// every acknowledged record must be on the topic afterwards. kafkajs 2.2.4 lost records here (its
// produce retry skipped brokers that had already answered, even when they had just become the leaders
// of the failed partitions; see createIdempotentProducer in services/kit/src/kafka.ts),
// which is how the detector fault test lost input and alerts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Producer } from 'kafkajs';
import { createIdempotentProducer, createKafka, sendChunked } from '@zmwatch/kit';
import { quietLogger, testKafka, uniqueName, waitFor } from '@zmwatch/test-support/stack';
import { killBusiestBroker, offCluster, stackUpCluster } from './cluster-stack.js';

const RECORDS = 6000;
const PER_SEND = 60; // each send spans all six partitions, so all three brokers

interface Produced {
  /** Sends that threw and were sent again. */
  failedSends: number;
  /** Set when one send kept failing (30 attempts over 15 s): the records from there on were not sent. */
  gaveUp?: string;
}

/** Sends 0..RECORDS-1 as values (keys spread over every partition); a failed send is sent again. */
async function produceAll(producer: Producer, topic: string, acked: Set<number>): Promise<Produced> {
  let failedSends = 0;
  for (let i = 0; i < RECORDS; i += PER_SEND) {
    const values = Array.from({ length: Math.min(PER_SEND, RECORDS - i) }, (_, k) => i + k);
    const messages = values.map((v) => ({ key: `k-${v}`, value: String(v) }));
    for (let attempt = 1; ; attempt++) {
      try {
        await sendChunked(producer, [{ topic, messages }]);
        break;
      } catch (err) {
        failedSends++;
        if (attempt >= 30) return { failedSends, gaveUp: (err as Error).message };
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    for (const v of values) acked.add(v);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { failedSends };
}

test(
  'cluster profile: records sent across brokers while one is SIGKILLed all arrive (idempotent: once; plain: at least once)',
  { timeout: 300_000 },
  async (t) => {
    if (offCluster(t)) return;
    await stackUpCluster();
    const id = uniqueName('zmcl-producer');
    const kafka = createKafka({
      clientId: id,
      brokers: process.env.ZM_KAFKA_BROKERS!.split(','),
      logger: quietLogger,
    });
    const admin = testKafka(id).admin();
    await admin.connect();
    const topics = { idempotent: `${id}.idempotent`, plain: `${id}.plain` };
    await admin.createTopics({
      waitForLeaders: true,
      topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 6 })),
    });
    const idempotent = createIdempotentProducer(kafka);
    const plain = kafka.producer({ allowAutoTopicCreation: false });
    await idempotent.connect();
    await plain.connect();
    const acked = { idempotent: new Set<number>(), plain: new Set<number>() };
    let killed = false;
    try {
      const t0 = Date.now();
      const sending = Promise.all([
        produceAll(idempotent, topics.idempotent, acked.idempotent),
        produceAll(plain, topics.plain, acked.plain),
      ]);
      sending.catch(() => undefined);
      await waitFor('a quarter sent', () => acked.idempotent.size >= RECORDS / 4, 60_000, 50);
      killed = true;
      const victim = await killBusiestBroker(admin, Object.values(topics), Object.values(topics));
      const [idemSent, plainSent] = await sending;
      const sentMs = Date.now() - t0;

      const counts: Record<string, Map<number, number>> = {};
      for (const [name, topic] of Object.entries(topics)) {
        const seen = (counts[name] = new Map<number, number>());
        const ends = await admin.fetchTopicOffsets(topic);
        const total = ends.reduce((s, e) => s + Number(e.high), 0);
        const consumer = kafka.consumer({ groupId: `${id}-${name}-reader`, maxWaitTimeInMs: 100 });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        let read = 0;
        await consumer.run({
          eachMessage: async ({ message }) => {
            read++;
            const v = Number(message.value!.toString());
            seen.set(v, (seen.get(v) ?? 0) + 1);
          },
        });
        await waitFor(`${topic} read to its end (${total})`, () => read >= total, 60_000, 100);
        await consumer.disconnect();
      }
      const summary = (name: 'idempotent' | 'plain') => {
        const seen = counts[name]!;
        const lost = [...acked[name]].filter((v) => !seen.has(v));
        const dups = [...seen.values()].reduce((s, n) => s + n - 1, 0);
        return { lost, dups, distinct: seen.size };
      };
      const idem = summary('idempotent');
      const pl = summary('plain');
      t.diagnostic(
        `killed kafka-${victim}; ${RECORDS} records per producer sent in ${(sentMs / 1000).toFixed(1)} s; ` +
          `idempotent: ${acked.idempotent.size} acknowledged, ${idem.distinct} distinct on the topic, ${idem.lost.length} lost, ${idem.dups} duplicates, ` +
          `${idemSent.failedSends} sends failed and were sent again${idemSent.gaveUp ? `, gave up: ${idemSent.gaveUp}` : ''}; ` +
          `plain: ${acked.plain.size} acknowledged, ${pl.distinct} distinct, ${pl.lost.length} lost, ${pl.dups} duplicates, ` +
          `${plainSent.failedSends} sends failed and were sent again${plainSent.gaveUp ? `, gave up: ${plainSent.gaveUp}` : ''}`,
      );
      assert.equal(idemSent.gaveUp, undefined, 'the idempotent producer recovers after the leader move');
      assert.equal(plainSent.gaveUp, undefined, 'the plain producer recovers after the leader move');
      assert.deepEqual(idem.lost.slice(0, 20), [], 'the idempotent producer lost no acknowledged record');
      assert.deepEqual(pl.lost.slice(0, 20), [], 'the plain producer lost no acknowledged record');
      // Idempotence holds only inside one send; a send that failed and was sent again (by us) may
      // duplicate its records.
      assert.ok(
        idem.dups <= idemSent.failedSends * PER_SEND,
        `idempotent duplicates only from re-sent sends: ${idem.dups} > ${idemSent.failedSends} × ${PER_SEND}`,
      );
    } finally {
      await idempotent.disconnect().catch(() => undefined);
      await plain.disconnect().catch(() => undefined);
      try {
        if (killed) await stackUpCluster('kafka');
      } finally {
        // Closed even when the killed broker does not come back: an open admin holds the process.
        await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
        await admin.disconnect();
      }
    }
  },
);
