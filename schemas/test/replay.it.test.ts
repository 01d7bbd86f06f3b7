// Integration test against the real local Kafka (infra/bin/test starts it and sets ZM_KAFKA_BROKERS;
// by hand: eval "$(infra/bin/stack env)"). Schemas sits below the kit, so not the kit's stackAddresses().
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import {
  createCodec,
  formatTailRecord,
  replayNdjson,
  TOPICS,
  toNdjsonLine,
  type Topic,
} from '../src/index.js';
import { alert, declaration, plain, registration, VALID_VIN } from './support/contract-records.js';

const brokers =
  process.env.ZM_KAFKA_BROKERS?.split(',') ??
  assert.fail('ZM_KAFKA_BROKERS is not set: run infra/bin/test, or eval "$(infra/bin/stack env)" first');
const runId = `${process.pid}-${Date.now()}`;
const prefix = `zm-it-replay-${runId}`;
const topicFor = (t: Topic) => `${prefix}.${t}`;

describe('replayNdjson against real Kafka', { timeout: 90_000 }, () => {
  const kafka = new Kafka({ clientId: `zm-schemas-it-${runId}`, brokers, logLevel: logLevel.ERROR });
  let admin: Admin;
  let producer: Producer;
  const dir = mkdtempSync(join(tmpdir(), 'zm-replay-'));
  const used = [TOPICS.registrations, TOPICS.declarations, TOPICS.alerts].map(topicFor);

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: used.map((topic) => ({ topic, numPartitions: 2 })),
    });
    producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });

  after(async () => {
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: used }).catch(() => undefined);
    await admin?.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('produces exactly the good lines of a mixed file and reports the bad ones by line number', async () => {
    const otherVin = '11111111111111111';
    const lines = [
      toNdjsonLine(TOPICS.registrations, VALID_VIN, registration(), { origin: 'it' }), // 1 good
      '{"topic": "vehicle.registrations.v1", "key": ', // 2 bad JSON
      toNdjsonLine(TOPICS.declarations, VALID_VIN, declaration()), // 3 good
      '', // 4 blank, skipped
      JSON.stringify({
        topic: TOPICS.registrations,
        key: otherVin,
        value: {
          ...JSON.parse(toNdjsonLine(TOPICS.registrations, otherVin, registration({ vin: otherVin }))).value,
          fuelType: 'STEAM',
        },
      }), // 5 bad enum
      toNdjsonLine(TOPICS.alerts, VALID_VIN, alert()), // 6 good
      JSON.stringify({ topic: TOPICS.declarations, key: 'NOT-A-VIN', value: { vin: 'NOT-A-VIN' } }), // 7 bad VIN
      toNdjsonLine(TOPICS.registrations, otherVin, registration({ vin: otherVin, eventId: 'reg-2' })), // 8 good
    ];
    const file = join(dir, 'mixed.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');
    const codec = await createCodec();
    const progress: number[] = [];
    const result = await replayNdjson({
      file,
      producer,
      codec,
      topicFor,
      batchSize: 2,
      onProgress: (p) => progress.push(p.produced),
    });

    assert.equal(result.produced, 4);
    assert.deepEqual(
      result.rejected.map((r) => r.lineNo),
      [2, 5, 7],
    );
    assert.match(result.rejected[0]!.reason, /invalid JSON/);
    assert.match(result.rejected[1]!.reason, /value\.fuelType/);
    assert.match(result.rejected[2]!.reason, /value\.vin/);
    assert.ok(progress.length > 0 && progress.at(-1) === 4);

    // Read everything back from the unique topics: exactly the good records, keyed by VIN, decodable.
    const consumer = kafka.consumer({ groupId: `${prefix}-reader` });
    await consumer.connect();
    await consumer.subscribe({ topics: used, fromBeginning: true });
    const got: {
      topic: string;
      key: string;
      record: unknown;
      headers: Record<string, string>;
      tail: string;
    }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out with ${got.length} messages`)), 30_000);
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const decoded = await codec.decode(message.value);
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
            got.push({
              topic,
              key: message.key!.toString(),
              record: plain(decoded.record),
              headers,
              tail: formatTailRecord(
                {
                  topic,
                  partition,
                  offset: message.offset,
                  timestamp: message.timestamp,
                  key: message.key,
                  headers: message.headers,
                },
                { decoded },
              ),
            });
            if (got.length >= 4) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    // give a moment for any unexpected extra message to arrive
    await new Promise((r) => setTimeout(r, 1000));
    await consumer.disconnect();

    assert.equal(got.length, 4);
    const byKey = (topic: Topic) => got.filter((g) => g.topic === topicFor(topic));
    assert.deepEqual(
      byKey(TOPICS.registrations)
        .map((g) => g.key)
        .sort(),
      [otherVin, VALID_VIN].sort(),
    );
    const reg = byKey(TOPICS.registrations).find((g) => g.key === VALID_VIN)!;
    assert.deepEqual(reg.record, registration());
    assert.deepEqual(reg.headers, { origin: 'it' });
    assert.deepEqual(
      byKey(TOPICS.declarations).map((g) => g.record),
      [declaration()],
    );
    assert.deepEqual(
      byKey(TOPICS.alerts).map((g) => g.record),
      [alert()],
    );
    const tail = JSON.parse(reg.tail);
    assert.equal(typeof tail.partition, 'number');
    assert.match(tail.offset, /^\d+$/);
    assert.match(tail.timestamp, /^\d{4}-\d{2}-\d{2}T/);
  });
});
