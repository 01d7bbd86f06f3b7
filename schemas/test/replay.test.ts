// replayNdjson's bookkeeping and failure paths with a recording stand-in for the producer (the
// real-Kafka behaviour is in replay.it.test.ts and services/cli/test/replay.it.test.ts).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { Message } from 'kafkajs';
import { createCodec, replayNdjson, ReplayProduceError, TOPICS, toNdjsonLine } from '../src/index.js';
import { declaration, registration, VALID_VIN } from './support/contract-records.js';

const lines = [
  toNdjsonLine(TOPICS.registrations, VALID_VIN, registration()),
  JSON.stringify({ topic: TOPICS.registrations, key: null, bytes: Buffer.from('junk').toString('base64') }),
  JSON.stringify({
    ...JSON.parse(toNdjsonLine(TOPICS.declarations, VALID_VIN, declaration())),
    key: 'UNKNOWN',
    value: {
      ...JSON.parse(toNdjsonLine(TOPICS.declarations, VALID_VIN, declaration())).value,
      vin: 'UNKNOWN',
    },
  }),
  'not json',
].join('\n');

/** Records each request's topic messages; `fail` may refuse a request by one of its topics. */
function recorder(fail?: (topic: string) => unknown) {
  const sent: { topic: string; messages: Message[] }[] = [];
  const requests: number[] = [];
  return {
    sent,
    requests,
    producer: {
      sendBatch: async (r: { topicMessages: { topic: string; messages: Message[] }[] }) => {
        requests.push(r.topicMessages.reduce((n, tm) => n + tm.messages.length, 0));
        for (const tm of r.topicMessages) {
          const err = fail?.(tm.topic);
          if (err) throw err;
        }
        sent.push(...r.topicMessages);
        return [];
      },
    },
  };
}

describe('replayNdjson', () => {
  it('produces raw bytes as they are and invalid VINs as written, and accounts for every line', async () => {
    const codec = await createCodec();
    const { sent, producer } = recorder();
    const ensured: string[] = [];
    const r = await replayNdjson({
      file: Readable.from([lines]),
      producer: producer as never,
      codec,
      allowInvalidVin: true,
      batchSize: 1,
      topicFor: (t) => `p.${t}`,
      ensureTopic: async (t) => void ensured.push(t),
    });
    assert.equal(r.lines, 4);
    assert.equal(r.produced, 3);
    assert.equal(r.raw, 1);
    assert.equal(r.invalidVin, 1);
    assert.deepEqual(
      r.rejected.map((x) => x.lineNo),
      [4],
    );
    assert.deepEqual(ensured, [`p.${TOPICS.registrations}`, `p.${TOPICS.declarations}`], 'once per topic');
    const raw = sent[1]!.messages[0]!;
    assert.equal(raw.key, null);
    assert.equal(String(raw.value), 'junk');
    const bad = codec.decodeSync(sent[2]!.messages[0]!.value as Buffer);
    assert.equal((bad.record as { vin: string }).vin, 'UNKNOWN');
    assert.equal(sent[2]!.messages[0]!.key, 'UNKNOWN');
  });

  it('sends a batch of interleaved topics in one request, each topic in file order', async () => {
    const codec = await createCodec();
    const { sent, requests, producer } = recorder();
    const file = [1, 2, 3, 4, 5, 6]
      .map((i) =>
        i % 2
          ? toNdjsonLine(TOPICS.registrations, VALID_VIN, registration({ eventId: `r${i}` }))
          : toNdjsonLine(TOPICS.declarations, VALID_VIN, declaration({ eventId: `d${i}` })),
      )
      .join('\n');
    const r = await replayNdjson({
      file: Readable.from([file]),
      producer: producer as never,
      codec,
      batchSize: 4,
    });
    assert.equal(r.produced, 6);
    assert.deepEqual(requests, [4, 2]);
    const ids = (topic: string) =>
      sent
        .filter((x) => x.topic === topic)
        .flatMap((x) =>
          x.messages.map((m) => (codec.decodeSync(m.value as Buffer).record as { eventId: string }).eventId),
        );
    assert.deepEqual(ids(TOPICS.registrations), ['r1', 'r3', 'r5']);
    assert.deepEqual(ids(TOPICS.declarations), ['d2', 'd4', 'd6']);
  });

  it('stops before sending anything to a topic its ensureTopic hook refuses', async () => {
    const { sent, producer } = recorder();
    await assert.rejects(
      replayNdjson({
        file: Readable.from([lines]),
        producer: producer as never,
        codec: await createCodec(),
        ensureTopic: async (t) => {
          throw new Error(`no ${t}`);
        },
      }),
      /no vehicle\.registrations\.v1/,
    );
    assert.equal(sent.length, 0);
  });

  it('names the topic when Kafka says it does not exist, however deep kafkajs wrapped that', async () => {
    const unknown = {
      name: 'KafkaJSNumberOfRetriesExceeded',
      message: 'x',
      originalError: { type: 'UNKNOWN_TOPIC_OR_PARTITION' },
    };
    const { producer } = recorder((t) => (t === TOPICS.declarations ? unknown : undefined));
    const err = await replayNdjson({
      file: Readable.from([lines]),
      producer: producer as never,
      codec: await createCodec(),
      allowInvalidVin: true,
      batchSize: 1,
    }).catch((e: unknown) => e);
    assert.ok(err instanceof ReplayProduceError);
    assert.equal(err.missingTopic, true);
    assert.deepEqual(err.topics, [TOPICS.declarations]);
    assert.equal(err.produced, 2);
    assert.equal(
      err.message,
      'topic customs.declarations.v1 does not exist (2 record(s) were produced before)',
    );

    const { producer: down } = recorder(() => new Error('Connection timeout'));
    const other = await replayNdjson({
      file: Readable.from([lines]),
      producer: down as never,
      codec: await createCodec(),
    }).catch((e: unknown) => e);
    assert.ok(other instanceof ReplayProduceError);
    assert.equal(other.missingTopic, false);
    assert.match(
      other.message,
      /producing to vehicle\.registrations\.v1 failed after 0 record\(s\) were produced: Connection timeout/,
    );
  });
});
