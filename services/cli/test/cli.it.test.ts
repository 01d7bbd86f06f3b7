/**
 * `zmwatch` commands against the real local stack (infra/bin/stack up), on topics and groups unique
 * to this run: replay → tail round trip, dead letters listed and replayed, lag status and exit codes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { buildDeadLetter, toNdjsonLine, type RegistrationEvent } from '@zmwatch/schemas';
import { firstRegistration } from './support/registration-records.js';
import { cliWith } from './support/run-cli.js';
import { stackAddresses, createTopicsReady } from '@zmwatch/kit';
import { vinFor } from '@zmwatch/test-support/vins';

const brokers = stackAddresses().brokers;
const run = `cli-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const prefix = `${run}.`;
const regTopic = `${prefix}vehicle.registrations.v1`;
const env = { ...process.env, ZM_KAFKA_BROKERS: brokers.join(','), ZM_LOG_LEVEL: 'silent' };
const kafka = new Kafka({ clientId: run, brokers, logLevel: logLevel.NOTHING });
let admin: Admin;

const vin = (i: number): string => vinFor(100000 + i);

function registration(i: number): RegistrationEvent {
  const t = Date.parse('2026-03-01T00:00:00Z') + i * 60_000;
  return firstRegistration({ eventId: `${run}-reg-${i}`, vin: vin(i), eventTime: t, recordedAt: t });
}

const cli = cliWith(env);

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  await createTopicsReady(admin, [
    { topic: regTopic, numPartitions: 2 },
    { topic: `${regTopic}.dlq`, numPartitions: 1 },
  ]);
});

after(async () => {
  await admin.deleteTopics({ topics: [regTopic, `${regTopic}.dlq`] }).catch(() => undefined);
  await admin.disconnect();
});

test('replay produces an NDJSON file and tail --json prints it back in a form replay accepts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zm-cli-'));
  const file = join(dir, 'events.ndjson');
  const lines = [0, 1, 2].map((i) => toNdjsonLine('vehicle.registrations.v1', vin(i), registration(i)));
  writeFileSync(file, [...lines, '{"topic":"nope"}'].join('\n') + '\n');

  const replay = await cli(['replay', file, '--topic-prefix', prefix]);
  assert.equal(replay.code, 1, 'a rejected line makes the replay a failure');
  assert.match(replay.out, /produced 3 record\(s\)/);
  assert.match(replay.err, /line 4: unknown topic "nope"/);

  const tail = await cli(['tail', regTopic, '--from-beginning', '--max', '3', '--json']);
  assert.equal(tail.code, 0, tail.err);
  const records = tail.out
    .split('\n')
    .map((l) => JSON.parse(l) as { key: string; value: { eventId: string; eventTime: string } });
  assert.deepEqual(
    records.map((r) => r.value.eventId).sort(),
    [0, 1, 2].map((i) => `${run}-reg-${i}`),
  );
  assert.equal(records.find((r) => r.key === vin(0))?.value.eventTime, '2026-03-01T00:00:00.000Z');

  const missing = await cli(['replay', join(dir, 'absent.ndjson')]);
  assert.equal(missing.code, 3);
});

test('dlq list shows the dead letter with its error; dlq replay puts the original back on the source topic', async () => {
  const producer = kafka.producer();
  await producer.connect();
  const letter = buildDeadLetter({
    topic: regTopic,
    partition: 1,
    message: {
      key: Buffer.from(vin(9)),
      value: Buffer.from('not avro'),
      offset: '41',
      headers: { trace: 'abc' },
    },
    error: Object.assign(new Error('magic byte 110 is not 0'), { code: 'WrongMagicByte' }),
    service: 'detector',
  });
  await producer.send({
    topic: letter.topic,
    messages: [{ key: letter.key, value: letter.value, headers: letter.headers }],
  });
  await producer.disconnect();

  const counts = await cli(['dlq', 'list', '--json']);
  const topics = (JSON.parse(counts.out) as { topics: Array<{ topic: string; count: number }> }).topics;
  assert.equal(topics.find((t) => t.topic === `${regTopic}.dlq`)?.count, 1);

  const list = await cli(['dlq', 'list', regTopic]);
  assert.equal(list.code, 0, list.err);
  assert.match(
    list.out,
    /0:0 .* WrongMagicByte\s+magic byte 110 is not 0\s+.*registrations\.v1\[1\]@41\s+detector/,
  );

  assert.equal((await cli(['dlq', 'replay', regTopic])).code, 2, 'choosing nothing is a usage error');
  const replay = await cli(['dlq', 'replay', `${regTopic}.dlq`, '--offset', '0:0']);
  assert.equal(replay.code, 0, replay.err);
  assert.match(replay.out, /replayed 1 of 1/);

  const consumer = kafka.consumer({ groupId: `${run}-check` });
  await consumer.connect();
  await consumer.subscribe({ topic: regTopic, fromBeginning: true });
  const seen = await new Promise<{ value: string; headers: Record<string, string> }>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value?.toString() === 'not avro') {
          const headers = Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
          );
          resolve({ value: message.value.toString(), headers });
        }
      },
    });
  });
  await consumer.disconnect();
  assert.deepEqual(seen.headers, { trace: 'abc' }, 'original headers kept, zm-dlq-* removed');
  await admin.deleteGroups([`${run}-check`]).catch(() => undefined);
});

test('lag reports a group with lag and nobody consuming as STOPPED and exits 3', async () => {
  const groupId = `${run}-stopped`;
  await admin.setOffsets({
    groupId,
    topic: regTopic,
    partitions: [0, 1].map((partition) => ({ partition, offset: '0' })),
  });
  const res = await cli(['lag', '--group', `^${groupId}$`, '--samples', '1', '--partitions']);
  assert.equal(res.code, 3, res.out + res.err);
  assert.match(res.out, new RegExp(`${groupId}\\s+STOPPED\\s+Empty\\s+0\\s+4`));
  assert.match(res.out, /no consumer running/);
  const json = JSON.parse(
    (await cli(['lag', '--group', `^${groupId}$`, '--samples', '1', '--json'])).out,
  ) as {
    groups: Array<{ totalLag: number; maxTimeLagMs: number | null }>;
  };
  assert.equal(json.groups[0]?.totalLag, 4);
  assert.ok((json.groups[0]?.maxTimeLagMs ?? 0) > 0, 'time lag read from the record at the committed offset');
  await admin.deleteGroups([groupId]).catch(() => undefined);
});

test('cases show exits 3 for a VIN without a case, 2 for something that is not a VIN', async () => {
  assert.equal((await cli(['cases', 'show', vin(999)])).code, 3);
  assert.equal((await cli(['cases', 'show', 'NOTAVIN'])).code, 2);
});
