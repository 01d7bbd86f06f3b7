// The insights sink's CPU at a steady rate (the demo's 200 events/s), per batching setting: the sink
// runs as its own process (services/insights/src/main.ts, as the demo starts it) and its CPU seconds
// come from /proc. Settings compared:
//   per-fetch   every fetch answered as soon as a record is there, one partition at a time: one DuckDB
//               transaction per partition per fetch (the sink before batching)
//   batched     the defaults: fetches wait up to 1 s, 8 partitions at a time, writes share a transaction
//   node --import tsx bench/insights-steady-bench.ts [--rate 200] [--seconds 60]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '@zmwatch/infra';
import { createIdempotentProducer, createKafka, createLogger, stackAddresses } from '@zmwatch/kit';
import { createCodec, TOPICS } from '@zmwatch/schemas';
import { createTestTopics, dataset, testTopics } from '@zmwatch/test-support/insights-dataset';
import { cpuSecondsOf } from './lib/proc-cpu.js';

const { values: args } = parseArgs({
  options: { rate: { type: 'string', default: '200' }, seconds: { type: 'string', default: '60' } },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const TICK_MS = 100;
const PORT = 19490;
const VARIANTS: Record<string, Record<string, string>> = {
  'per-fetch': {
    ZM_INSIGHTS_FETCH_MIN_BYTES: '1',
    ZM_INSIGHTS_FETCH_WAIT_MS: '5000',
    ZM_INSIGHTS_PARTITIONS_CONCURRENTLY: '1',
  },
  batched: {},
};

const brokers = stackAddresses().brokers;
const logger = createLogger('insights-steady', 'silent');
const kafka = createKafka({ clientId: 'insights-steady-bench', brokers, logger });
const run = Date.now().toString(36);
const topics = testTopics(run);
const dropTopics = await createTestTopics(kafka, topics);
const codec = await createCodec();
const data = dataset(randomBytes(3).toString('hex'));
const producer = createIdempotentProducer(kafka);
await producer.connect();
const dir = mkdtempSync(join(tmpdir(), 'zm-insights-steady-'));

const metric = async (name: string): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
};

let n = 0;
/** Registrations and declarations of the hand-made dataset, each with a fresh event id. */
function tickMessages(count: number) {
  const registrations: { key: string; value: Buffer }[] = [];
  const declarations: { key: string; value: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    n++;
    if (n % 2) {
      const e = data.registrations[n % data.registrations.length]!;
      registrations.push({
        key: e.vin,
        value: codec.encode(TOPICS.registrations, { ...e, eventId: `${run}-r${n}` }),
      });
    } else {
      const e = data.declarations[n % data.declarations.length]!;
      declarations.push({
        key: e.vin,
        value: codec.encode(TOPICS.declarations, { ...e, eventId: `${run}-d${n}` }),
      });
    }
  }
  return [
    { topic: topics.registrations, messages: registrations },
    { topic: topics.declarations, messages: declarations },
  ];
}

const results: Record<string, { cpuSeconds: number; coreShare: number; records: number; batches: number }> =
  {};
for (const [name, env] of Object.entries(VARIANTS)) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'services/insights/src/main.ts')],
    {
      cwd: REPO_ROOT,
      stdio: 'ignore',
      env: {
        ...process.env,
        ZM_KAFKA_BROKERS: brokers.join(','),
        ZM_LOG_LEVEL: 'warn',
        ZM_INSIGHTS_GROUP_ID: `insights-steady-${run}-${name}`,
        ZM_INSIGHTS_REGISTRATIONS_TOPIC: topics.registrations,
        ZM_INSIGHTS_DECLARATIONS_TOPIC: topics.declarations,
        ZM_INSIGHTS_ALERTS_TOPIC: topics.alerts,
        ZM_INSIGHTS_OUTCOMES_TOPIC: topics.caseOutcomes,
        ZM_INSIGHTS_FROM_BEGINNING: 'false',
        ZM_INSIGHTS_DB: join(dir, `${name}.duckdb`),
        ZM_INSIGHTS_PORT: String(PORT),
        ...env,
      },
    },
  );
  const pid = child.pid!;
  for (let ready = false; !ready;) {
    await new Promise((r) => setTimeout(r, 500));
    ready = await fetch(`http://127.0.0.1:${PORT}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
  }
  await new Promise((r) => setTimeout(r, 5_000)); // the group has joined and settled
  const cpu0 = cpuSecondsOf(pid)!;
  const stored0 = await metric('zm_insights_records_total');
  const batches0 = await metric('zm_insights_batch_seconds_count');
  const perTick = Math.round((RATE * TICK_MS) / 1000);
  const t0 = Date.now();
  for (let tick = 0; Date.now() - t0 < SECONDS * 1000; tick++) {
    await producer.sendBatch({ acks: -1, topicMessages: tickMessages(perTick) });
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + (tick + 1) * TICK_MS - Date.now())));
  }
  await new Promise((r) => setTimeout(r, 6_000)); // the last fetch wait
  const cpuSeconds = cpuSecondsOf(pid)! - cpu0;
  const window = (Date.now() - t0) / 1000;
  results[name] = {
    cpuSeconds: Math.round(cpuSeconds * 100) / 100,
    coreShare: Math.round((cpuSeconds / window) * 1000) / 1000,
    records: (await metric('zm_insights_records_total')) - stored0,
    batches: (await metric('zm_insights_batch_seconds_count')) - batches0,
  };
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
await producer.disconnect();
await dropTopics();
rmSync(dir, { recursive: true, force: true });

console.log(`insights sink at ${RATE} events/s for ${SECONDS} s (own process, CPU from /proc)`);
for (const [name, r] of Object.entries(results))
  console.log(
    `  ${name.padEnd(10)} ${r.cpuSeconds.toFixed(1)} s CPU = ${(r.coreShare * 100).toFixed(1)}% of a core, ${r.records} records in ${r.batches} batches`,
  );
console.log(JSON.stringify({ bench: 'insights-steady', rate: RATE, seconds: SECONDS, results }));
process.exit(0);
