// Share of alerts revised on an alerts topic since a point in time (issue 13's note): alert ids with a
// latest revision > 0 and WITHDRAWN ones, over all alert ids seen. Reads from the first offset at or
// after --since to the current end, with no consumer group (nothing is committed).
//   node --import tsx test/convergence/revision-share.ts --since 2026-12-02T03:00:00Z [--topic zm.alerts.v1]
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { createCodec, TOPICS, type Alert } from '@zmwatch/schemas';
import { BROKERS } from './harness.js';

const { values } = parseArgs({
  options: { since: { type: 'string' }, topic: { type: 'string', default: TOPICS.alerts } },
});
if (!values.since || Number.isNaN(Date.parse(values.since)))
  throw new Error('--since <ISO time> is required');
const topic = values.topic!;
const kafka = new Kafka({ clientId: 'zm-revision-share', brokers: BROKERS, logLevel: logLevel.NOTHING });
const codec = await createCodec();
const admin = kafka.admin();
await admin.connect();
const from = await admin.fetchTopicOffsetsByTimestamp(topic, Date.parse(values.since));
const ends = await admin.fetchTopicOffsets(topic);
await admin.disconnect();
const latest = new Map<string, Alert>();
let records = 0;
for (const { partition, high } of ends) {
  const start = Number(from.find((p) => p.partition === partition)?.offset ?? high);
  if (start >= Number(high)) continue;
  const consumer = kafka.consumer({ groupId: `zm-revision-share-${Date.now()}-${partition}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message, partition: p }) => {
      if (p !== partition) return;
      const a = codec.decodeSync(message.value, topic as typeof TOPICS.alerts).record;
      records++;
      const prev = latest.get(a.alertId);
      if (!prev || a.revision >= prev.revision) latest.set(a.alertId, a);
      if (Number(message.offset) + 1 >= Number(high)) done();
    },
  });
  consumer.seek({ topic, partition, offset: String(start) });
  await finished;
  await consumer.disconnect();
}
const revised = [...latest.values()].filter((a) => a.revision > 0).length;
const withdrawn = [...latest.values()].filter((a) => a.status === 'WITHDRAWN').length;
const pct = (n: number) => `${((100 * n) / Math.max(1, latest.size)).toFixed(1)} %`;
console.log(
  `${topic} since ${values.since}: ${records} records, ${latest.size} alert ids, revised ${revised} (${pct(revised)}), withdrawn ${withdrawn} (${pct(withdrawn)})`,
);
