/**
 * `zmwatch replay` of what `zmwatch simulate` writes, on the real local Kafka, on topics unique to
 * this run: a missing topic is named (exit 3, nothing produced), `--create-topics` creates it like
 * infra/topics.yaml's contract topic, every line of a default-noise file is produced (the raw-bytes
 * ones as their exact bytes, invalid VINs as written with --allow-invalid), and without
 * --allow-invalid exactly the invalid-VIN lines are rejected by number.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { loadTopicSpecs } from '@zmwatch/kit';
import { createCodec, TOPICS, validateVin } from '@zmwatch/schemas';
import { readGroundTruth } from '@zmwatch/simulator';
import { cliWith } from './support/run-cli.js';
import { stackAddresses } from '@zmwatch/kit';

const brokers = stackAddresses().brokers;
const run = `replay-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const prefix = `${run}.`;
const inputs = [TOPICS.registrations, TOPICS.declarations].map((t) => `${prefix}${t}`);
const env = { ...process.env, ZM_KAFKA_BROKERS: brokers.join(','), ZM_LOG_LEVEL: 'silent' };
const kafka = new Kafka({ clientId: run, brokers, logLevel: logLevel.NOTHING });
const dir = mkdtempSync(join(tmpdir(), 'zm-replay-sim-'));
const file = join(dir, 'events.ndjson');
let admin: Admin;
let sim: { counts: { total: number; noise: Record<string, number> } };
let invalidVinLines: number[];

interface ReplayJson {
  lines: number;
  produced: number;
  raw: number;
  invalidVin: number;
  rejected: { lineNo: number; reason: string }[];
}

const cli = cliWith(env);

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  // The simulator's default noise: duplicates, late, malformed (raw bytes), invalid VINs, ...
  const res = await cli(['simulate', '--seed', '11', '--vehicles', '3000', '--out', dir, '--no-progress']);
  assert.equal(res.code, 0, res.err);
  sim = JSON.parse(res.out) as typeof sim;
  const truth = await readGroundTruth(join(dir, 'ground-truth.ndjson'));
  invalidVinLines = truth.noise.filter((n) => n.noise === 'invalid-vin').map((n) => n.seq + 1);
  assert.ok((sim.counts.noise.malformed ?? 0) > 0, 'the file has raw-bytes lines');
  assert.ok(invalidVinLines.length > 0, 'the file has invalid-VIN lines');
});

after(async () => {
  await admin.deleteTopics({ topics: inputs }).catch(() => undefined);
  await admin.deleteGroups([`${run}-check`]).catch(() => undefined);
  await admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

test('replay to a topic that does not exist names it, exits 3 and produces nothing', async () => {
  const res = await cli(['replay', file, '--topic-prefix', prefix, '--allow-invalid']);
  assert.equal(res.code, 3, res.out + res.err);
  assert.match(
    res.err,
    new RegExp(
      `topic ${prefix.replace(/\./g, '\\.')}(vehicle\\.registrations|customs\\.declarations)\\.v1 does not exist; create it with --create-topics`,
    ),
  );
  const existing = await admin.listTopics();
  assert.deepEqual(
    inputs.filter((t) => existing.includes(t)),
    [],
    'nothing created',
  );
});

test('replay --create-topics --allow-invalid produces every line of a default simulator file, raw ones as their bytes', async () => {
  const res = await cli([
    'replay',
    file,
    '--topic-prefix',
    prefix,
    '--allow-invalid',
    '--create-topics',
    '--json',
  ]);
  assert.equal(res.code, 0, res.err);
  const r = JSON.parse(res.out) as ReplayJson;
  assert.equal(r.lines, sim.counts.total, 'every line read');
  assert.deepEqual(r.rejected, []);
  assert.equal(r.produced, r.lines, 'every line produced');
  assert.equal(r.raw, sim.counts.noise.malformed);
  assert.equal(r.invalidVin, invalidVinLines.length);

  // Created like the contract topics infra/topics.yaml declares (so they stay co-partitioned).
  const specs = loadTopicSpecs();
  for (const [i, t] of [TOPICS.registrations, TOPICS.declarations].entries()) {
    const want = specs.find((s) => s.name === t)!.partitions;
    assert.match(
      res.err,
      new RegExp(
        `created topic ${inputs[i]!.replace(/\./g, '\\.')} with ${want} partition\\(s\\) \\(like ${t}`,
      ),
    );
    const meta = await admin.fetchTopicMetadata({ topics: [inputs[i]!] });
    assert.equal(meta.topics[0]!.partitions.length, want);
  }

  // Read it all back: the undecodable messages are exactly the file's raw bytes; the invalid VINs
  // are there as written.
  const expectedRaw = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"bytes"'))
    .map((l) => (JSON.parse(l) as { bytes: string }).bytes)
    .sort();
  const codec = await createCodec();
  const gotRaw: string[] = [];
  let decoded = 0;
  let badVins = 0;
  const consumer = kafka.consumer({ groupId: `${run}-check` });
  await consumer.connect();
  await consumer.subscribe({ topics: inputs, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`read ${gotRaw.length + decoded} of ${r.produced}`)),
      60_000,
    );
    consumer
      .run({
        eachMessage: async ({ message }) => {
          try {
            const d = codec.decodeSync(message.value);
            decoded++;
            if (!validateVin((d.record as { vin: string }).vin).ok) badVins++;
          } catch {
            gotRaw.push((message.value ?? Buffer.alloc(0)).toString('base64'));
          }
          if (gotRaw.length + decoded >= r.produced) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  assert.deepEqual(gotRaw.sort(), expectedRaw);
  assert.equal(decoded, r.produced - r.raw);
  assert.equal(badVins, r.invalidVin);
});

test('without --allow-invalid exactly the invalid-VIN lines are rejected, by line number, and the rest produced', async () => {
  const res = await cli(['replay', file, '--topic-prefix', prefix]);
  assert.equal(res.code, 1, 'rejected lines make the replay a failure');
  assert.match(res.out, new RegExp(`produced ${sim.counts.total - invalidVinLines.length} record\\(s\\)`));
  assert.match(res.out, /of which \d+ raw-bytes/);
  assert.match(res.out, new RegExp(`rejected ${invalidVinLines.length} line\\(s\\)`));
  assert.match(res.err, new RegExp(`line ${invalidVinLines[0]}: value\\.vin:`));
  assert.match(res.err, /--allow-invalid produces records with invalid VINs as they are/);
  const json = JSON.parse(
    (await cli(['replay', file, '--topic-prefix', prefix, '--json'])).out,
  ) as ReplayJson;
  assert.deepEqual(
    json.rejected.map((x) => x.lineNo),
    invalidVinLines.sort((a, b) => a - b),
  );
});

test('--partitions without --create-topics is a usage error', async () => {
  assert.equal((await cli(['replay', file, '--partitions', '3'])).code, 2);
});
