/**
 * `zmwatch backtest` on what `zmwatch simulate` writes: a candidate ruleset (the shipped one, with
 * entity signals) against a baseline without them, scored on the simulator's ground-truth file and
 * on decided cases read from a case-outcomes topic unique to this run (real Kafka).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { DEFAULT_RULESET_FILE, loadRuleset } from '@zmwatch/detector';
import { createCodec, TOPICS } from '@zmwatch/schemas';
import { readGroundTruth, type VehicleTruth } from '@zmwatch/simulator';
import { cliWith } from './support/run-cli.js';

const brokers = (process.env.ZM_KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const run = `backtest-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const outcomesTopic = `${run}.${TOPICS.caseOutcomes}`;
const env = { ...process.env, ZM_KAFKA_BROKERS: brokers.join(','), ZM_LOG_LEVEL: 'silent' };
const kafka = new Kafka({ clientId: run, brokers, logLevel: logLevel.NOTHING });
const dir = mkdtempSync(join(tmpdir(), 'zm-backtest-'));
const events = join(dir, 'events.ndjson');
const truthFile = join(dir, 'ground-truth.ndjson');
const baselineFile = join(dir, 'baseline.yaml');
const cli = cliWith(env);
let admin: Admin;
let vehicles: VehicleTruth[];

interface Report {
  candidate: { version: string; alerts: number; ruleHits: Record<string, number>; score?: Score };
  baseline: { version: string; alerts: number; ruleHits: Record<string, number>; score?: Score };
  diff: { added: string[]; removed: string[] };
  labels: { source: string; positives: number; negatives: number } | null;
}
interface Score {
  precision: number;
  recall: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  const mix = 'legit-domestic=0.7,zm-straw-ring=0.15,legit-early-resale=0.05,zm-plain=0.1';
  const res = await cli([
    'simulate',
    '--seed',
    '14',
    '--vehicles',
    '2000',
    '--mix',
    mix,
    '--out',
    dir,
    '--no-progress',
  ]);
  assert.equal(res.code, 0, res.err);
  vehicles = (await readGroundTruth(truthFile)).vehicles;
  // The baseline: the shipped ruleset without entity signals (what the rules saw before issue 14).
  const { entitySignals: _dropped, ...doc } = loadRuleset();
  writeFileSync(baselineFile, JSON.stringify({ ...doc, version: 'baseline-1' })); // YAML is a JSON superset
});

after(async () => {
  await admin.deleteTopics({ topics: [outcomesTopic] }).catch(() => undefined);
  await admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

test('against the ground-truth file: rule hits, alerts the entity signals add, precision and recall of both', async () => {
  const res = await cli([
    'backtest',
    '--ruleset',
    DEFAULT_RULESET_FILE,
    '--baseline',
    baselineFile,
    '--ndjson',
    events,
    '--truth',
    truthFile,
    '--json',
  ]);
  assert.equal(res.code, 0, res.err);
  const r = JSON.parse(res.out) as Report;
  const rings = vehicles.filter((v) => v.label === 'zm-straw-ring');
  assert.equal(r.labels!.positives, vehicles.filter((v) => v.isZeroMileage).length);
  assert.ok(
    (r.candidate.ruleHits['ZM-ENTITY-COHORT'] ?? 0) > rings.length / 2,
    JSON.stringify(r.candidate.ruleHits),
  );
  assert.equal(r.baseline.ruleHits['ZM-ENTITY-COHORT'], undefined);
  assert.ok(r.diff.added.length > rings.length / 2, `${r.diff.added.length} added`);
  const ringVins = new Set(rings.map((v) => v.vin));
  assert.ok(
    r.diff.added.every((k) => ringVins.has(k.slice(0, k.indexOf('/')))),
    'the added alerts are the rings',
  );
  assert.ok(r.candidate.score!.recall > 0.95, `candidate recall ${r.candidate.score!.recall}`);
  assert.ok(
    r.baseline.score!.recall < r.candidate.score!.recall - 0.1,
    `baseline recall ${r.baseline.score!.recall}`,
  );
  assert.equal(r.candidate.score!.truePositives + r.candidate.score!.falseNegatives, r.labels!.positives);

  const text = await cli([
    'backtest',
    '--ruleset',
    DEFAULT_RULESET_FILE,
    '--baseline',
    baselineFile,
    '--ndjson',
    events,
    '--truth',
    truthFile,
  ]);
  assert.match(text.out, /ZM-ENTITY-COHORT/);
  assert.match(text.out, /alerts added: \d+/);
  assert.match(text.out, /candidate precision \d\.\d{4} recall \d\.\d{4}/);
});

test('against decided cases from the case-outcomes topic: confirmed positive, dismissed negative, latest decision wins', async () => {
  const codec = await createCodec();
  await admin.createTopics({ topics: [{ topic: outcomesTopic, numPartitions: 1 }], waitForLeaders: true });
  const rings = vehicles.filter((v) => v.label === 'zm-straw-ring').slice(0, 10);
  const domestic = vehicles.filter((v) => v.label === 'legit-domestic').slice(0, 5);
  const outcome = (vin: string, decision: 'CONFIRMED' | 'DISMISSED', decidedAt: number) => ({
    key: vin,
    value: codec.encode(TOPICS.caseOutcomes, {
      caseId: `case-${vin}`,
      vin,
      decision,
      reason: 'backtest test',
      analyst: 'analyst-1',
      alertIds: [],
      openedAt: decidedAt - 1000,
      decidedAt,
    }),
  });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: outcomesTopic,
    messages: [
      ...rings.map((v) => outcome(v.vin, 'CONFIRMED', 2000)),
      // Dismissed first, then confirmed: the later decision counts.
      outcome(rings[0]!.vin, 'DISMISSED', 1000),
      ...domestic.map((v) => outcome(v.vin, 'DISMISSED', 2000)),
    ],
  });
  await producer.disconnect();
  const res = await cli([
    'backtest',
    '--ruleset',
    DEFAULT_RULESET_FILE,
    '--baseline',
    baselineFile,
    '--ndjson',
    events,
    '--outcomes-topic',
    outcomesTopic,
    '--idle-timeout',
    '1',
    '--json',
  ]);
  assert.equal(res.code, 0, res.err);
  const r = JSON.parse(res.out) as Report;
  assert.deepEqual(r.labels, { source: `decided cases on ${outcomesTopic}`, positives: 10, negatives: 5 });
  assert.equal(r.candidate.score!.truePositives + r.candidate.score!.falseNegatives, 10);
  assert.ok(r.candidate.score!.truePositives >= 9, JSON.stringify(r.candidate.score));
  assert.equal(r.candidate.score!.falsePositives, 0, 'domestic cars are never flagged');
  assert.ok(r.baseline.score!.truePositives < r.candidate.score!.truePositives);
});
