// kafkajs 2.2.4 is patched (patches/kafkajs@2.2.4.patch, see src/kafka.ts; upstream issue #1303, the
// unmerged fix PR #1798): a produce retry after a broker failure sends the failed partitions to their
// new leader even when that broker already acknowledged other partitions of the same send. Upstream
// skipped such a broker and resolved the send with those records never written. This drives kafkajs'
// own sendMessages with a cluster whose partition 1 moves from the failed broker to the one that
// answered for partition 0: the installed (patched) module writes both partitions; the same module
// with the patch reversed loses partition 1 without an error, so the scenario does reproduce the bug,
// and this test fails if the patch stops being applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
type SendMessages = (deps: unknown) => (req: unknown) => Promise<Array<{ partition: number }>>;
const SEND_MESSAGES = require.resolve('kafkajs/src/producer/sendMessages.js');
const PATCH = fileURLToPath(new URL('../../../patches/kafkajs@2.2.4.patch', import.meta.url));

/** kafkajs's sendMessages.js with the patch reversed (patch -R), loaded beside the installed one. */
function unpatchedSendMessages(): SendMessages {
  const dir = mkdtempSync(join(tmpdir(), 'zm-kafkajs-unpatched-'));
  try {
    const out = join(dir, 'sendMessages.js');
    execFileSync('patch', ['--reverse', '--silent', '-o', out, SEND_MESSAGES, PATCH]);
    const m = new Module(SEND_MESSAGES);
    m.filename = SEND_MESSAGES; // its own requires resolve from kafkajs's folder
    m.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(
      dirname(SEND_MESSAGES),
    );
    (m as unknown as { _compile(src: string, file: string): void })._compile(
      readFileSync(out, 'utf8'),
      SEND_MESSAGES,
    );
    return m.exports as SendMessages;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the installed kafkajs carries the patch (it reverses cleanly)', () => {
  execFileSync('patch', ['--reverse', '--dry-run', '--silent', '-o', '/dev/null', SEND_MESSAGES, PATCH]);
  assert.match(readFileSync(SEND_MESSAGES, 'utf8'), /zmwatch patch/);
});

/** Partition 1's leader (broker 1) dies during the send and the partition moves to broker 2. */
async function sendThroughLeaderMove(createSendMessages: SendMessages) {
  const leaders = new Map([
    [0, 2],
    [1, 1],
  ]); // partition -> node id
  const written: Array<{ node: number; partition: number; keys: string[] }> = [];
  const broker = (nodeId: number) => ({
    nodeId,
    async produce({
      topicData,
    }: {
      topicData: Array<{
        topic: string;
        partitions: Array<{ partition: number; messages: Array<{ key: string }> }>;
      }>;
    }) {
      if (nodeId === 1) {
        // The broker dies; the controller moves its partition to broker 2.
        leaders.set(1, 2);
        const err = new Error('Connection error: read ECONNRESET');
        err.name = 'KafkaJSConnectionError';
        throw err;
      }
      for (const t of topicData)
        for (const p of t.partitions)
          written.push({ node: nodeId, partition: Number(p.partition), keys: p.messages.map((m) => m.key) });
      return {
        topics: topicData.map((t) => ({
          topicName: t.topic,
          partitions: t.partitions.map((p) => ({
            partition: Number(p.partition),
            errorCode: 0,
            baseOffset: '0',
          })),
        })),
      };
    },
  });
  const brokers = new Map([
    [1, broker(1)],
    [2, broker(2)],
  ]);
  const cluster = {
    targetTopics: new Set<string>(),
    async addMultipleTargetTopics() {},
    async refreshMetadataIfNecessary() {},
    async refreshMetadata() {},
    isConnected: () => true,
    removeBroker() {},
    findTopicPartitionMetadata: () => [...leaders].map(([partitionId, leader]) => ({ partitionId, leader })),
    findLeaderForPartitions: (_topic: string, partitions: Array<string | number>) => {
      const out: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) (out[leaders.get(p)!] ??= []).push(p);
      return out;
    },
    findBroker: async ({ nodeId }: { nodeId: number | string }) => brokers.get(Number(nodeId))!,
  };
  const sequences = new Map<string, number>();
  const eosManager = {
    isTransactional: () => false,
    acquireBrokerLock: async () => {},
    releaseBrokerLock: async () => {},
    getSequence: (t: string, p: number) => sequences.get(`${t}${p}`) ?? 0,
    updateSequence: (t: string, p: number, n: number) =>
      sequences.set(`${t}${p}`, (sequences.get(`${t}${p}`) ?? 0) + n),
    getProducerId: () => -1,
    getProducerEpoch: () => 0,
  };
  const retrier = async (fn: (bail: (e: unknown) => never, n: number, t: number) => Promise<unknown>) => {
    for (let n = 0; ; n++) {
      try {
        return await fn(
          (e) => {
            throw e;
          },
          n,
          0,
        );
      } catch (err) {
        if (n >= 4) throw err;
      }
    }
  };
  const send = createSendMessages({
    logger: { debug() {}, error() {} },
    cluster,
    partitioner: ({ message }: { message: { key: string } }) => Number(message.key.split('-')[0]),
    eosManager,
    retrier,
  });
  const acks = await send({
    acks: -1,
    timeout: 30_000,
    topicMessages: [{ topic: 't', messages: [{ key: '0-a' }, { key: '1-b' }, { key: '0-c' }] }],
  });
  return { written, acks, eosManager };
}

test('a produce retry after a leader move sends the moved partition to its new leader, even one that already answered', async () => {
  const { written, acks, eosManager } = await sendThroughLeaderMove(
    require('kafkajs/src/producer/sendMessages.js') as SendMessages,
  );
  assert.deepEqual(
    written.sort((a, b) => a.partition - b.partition),
    [
      { node: 2, partition: 0, keys: ['0-a', '0-c'] },
      { node: 2, partition: 1, keys: ['1-b'] },
    ],
    'partition 0 written once, partition 1 written by its new leader',
  );
  assert.deepEqual(acks.map((a) => a.partition).sort(), [0, 1], 'one acknowledgement per partition');
  assert.equal(eosManager.getSequence('t', 1), 1, 'the failed attempt did not advance partition 1');
});

test('without the patch the same send resolves with the moved partition never written (kafkajs#1303)', async () => {
  const { written, acks } = await sendThroughLeaderMove(unpatchedSendMessages());
  assert.deepEqual(
    written.map((w) => w.partition),
    [0],
    'partition 1 was never sent to its new leader',
  );
  assert.deepEqual(
    acks.map((a) => a.partition),
    [0],
    'and the send resolved without an error',
  );
});
