import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Producer } from 'kafkajs';
import { messageBytes, sendChunked } from '../src/index.js';

test('sendChunked splits requests below the byte bound, keeps per-topic order, sends an oversized message alone', async () => {
  const requests: Array<Array<{ topic: string; values: string[] }>> = [];
  const producer = {
    async sendBatch({
      topicMessages,
    }: {
      topicMessages: Array<{ topic: string; messages: Array<{ value: Buffer }> }>;
    }) {
      requests.push(
        topicMessages.map((t) => ({ topic: t.topic, values: t.messages.map((m) => m.value.toString()) })),
      );
    },
  } as unknown as Producer;
  const msg = (v: string, size = 1000) => ({
    key: 'k',
    value: Buffer.from(v.padEnd(size, '.')),
    headers: { h: 'x' },
  });
  const a = Array.from({ length: 10 }, (_, i) => msg(`a${i}`));
  const b = [msg('b0'), msg('big', 5000), msg('b1')];
  await sendChunked(
    producer,
    [
      { topic: 'A', messages: a },
      { topic: 'B', messages: b },
    ],
    3 * messageBytes(a[0]!),
  );
  for (const r of requests) {
    const bytes = r.flatMap((t) => t.values).reduce((n, v) => n + v.length, 0);
    assert.ok(bytes <= 3 * 1100 || r.flatMap((t) => t.values).length === 1, `request of ${bytes} bytes`);
  }
  const sent = (topic: string) =>
    requests.flatMap((r) => r.filter((t) => t.topic === topic).flatMap((t) => t.values));
  assert.deepEqual(
    sent('A').map((v) => v.replace(/\.+$/, '')),
    a.map((m) => m.value.toString().replace(/\.+$/, '')),
  );
  assert.deepEqual(
    sent('B').map((v) => v.replace(/\.+$/, '')),
    ['b0', 'big', 'b1'],
  );
  assert.ok(
    requests.some((r) => r.length === 1 && r[0]!.values.length === 1 && r[0]!.values[0]!.startsWith('big')),
  );
  assert.ok(requests.length >= 5);
});
