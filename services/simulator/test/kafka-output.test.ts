import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from 'kafkajs';
import { createCodec, DAY_MS } from '@zmwatch/schemas';
import { generateScenario, produceToKafka, type SimEvent } from '../src/index.js';

function fakeClock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

function recorder() {
  const sent: { topic: string; messages: Message[]; at: number }[] = [];
  return { sent };
}

test('produces every event in arrival order, to the configured topics, malformed ones as raw bytes', async () => {
  const codec = await createCodec();
  const events = [...generateScenario({ seed: 3, vehicles: 800, noise: { malformed: 0.05 } }).events()];
  const clock = fakeClock();
  const { sent } = recorder();
  const res = await produceToKafka({
    events,
    codec,
    producer: {
      sendBatch: async (b) => {
        for (const tm of b.topicMessages ?? [])
          sent.push({ topic: tm.topic, messages: tm.messages, at: clock.now() });
        return [];
      },
    },
    topics: { registrations: 'r-test', declarations: 'd-test' },
    ...clock,
  });
  const all = sent.flatMap((s) => s.messages.map((m) => ({ topic: s.topic, m })));
  assert.equal(res.total, events.length);
  assert.equal(all.length, events.length);
  const regs = events.filter((e) => e.topic === 'vehicle.registrations.v1');
  assert.deepEqual(
    all.filter((x) => x.topic === 'r-test').map((x) => x.m.key),
    regs.map((e) => e.key),
  );
  const junk = events.filter((e): e is Extract<SimEvent, { value: null }> => e.value === null);
  assert.ok(junk.length > 5);
  const values = new Set(all.map((x) => (x.m.value as Buffer).toString('base64')));
  for (const j of junk) assert.ok(values.has(j.bytes.toString('base64')));
});

test('--rate paces production: N events at R/s take about N/R seconds', async () => {
  const codec = await createCodec();
  const events = [...generateScenario({ seed: 4, vehicles: 300 }).events()];
  const clock = fakeClock();
  const res = await produceToKafka({
    events,
    codec,
    rate: 100,
    producer: { sendBatch: async () => [] },
    ...clock,
  });
  const expected = ((events.length - 1) / 100) * 1000;
  assert.ok(Math.abs(res.elapsedMs - expected) < 300, `${res.elapsedMs} vs ${expected}`);
});

test('paced events share a request per tick, not one request per event', async () => {
  const codec = await createCodec();
  const events = [...generateScenario({ seed: 4, vehicles: 300 }).events()];
  const clock = fakeClock();
  let requests = 0;
  const res = await produceToKafka({
    events,
    codec,
    rate: 200,
    producer: {
      sendBatch: async () => {
        requests++;
        return [];
      },
    },
    ...clock,
  });
  // 200 events/s in ticks of 100 ms: about 20 events per request.
  assert.ok(requests <= Math.ceil(res.elapsedMs / 100) + 1, `${requests} requests in ${res.elapsedMs} ms`);
  assert.ok(requests >= Math.floor(events.length / 21), `${requests} requests for ${events.length} events`);
});

test('--day-ms compresses simulated arrival time onto wall time', async () => {
  const codec = await createCodec();
  const events = [...generateScenario({ seed: 4, vehicles: 300, durationDays: 2 }).events()];
  const clock = fakeClock();
  const res = await produceToKafka({
    events,
    codec,
    dayMs: 1000,
    producer: { sendBatch: async () => [] },
    ...clock,
  });
  const last = events.at(-1)!.arrivalOffsetMs;
  assert.ok(Math.abs(res.elapsedMs - (last / DAY_MS) * 1000) < 300);
});

test('an abort stops production between requests and says so', async () => {
  const codec = await createCodec();
  const events = generateScenario({ seed: 4, vehicles: 5000 }).events();
  const abort = new AbortController();
  const clock = fakeClock();
  let requests = 0;
  const res = await produceToKafka({
    events,
    codec,
    rate: 1000,
    maxBatch: 50,
    signal: abort.signal,
    producer: {
      sendBatch: async () => {
        if (++requests === 3) abort.abort();
        return [];
      },
    },
    ...clock,
  });
  assert.equal(res.aborted, true);
  assert.equal(requests, 3);
  assert.ok(res.total <= 150);
});
