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
import { stackAddresses } from '@zmwatch/kit';

const brokers = stackAddresses().brokers;
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
const topicsToDelete = [outcomesTopic];
/** The shipped ruleset against the baseline without entity signals, on the simulated file. */
const candidateAgainstBaseline = [
  'backtest',
  '--ruleset',
  DEFAULT_RULESET_FILE,
  '--baseline',
  baselineFile,
  '--ndjson',
  events,
];

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
  await admin.deleteTopics({ topics: topicsToDelete }).catch(() => undefined);
  await admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

test('against the ground-truth file: rule hits, alerts the entity signals add, precision and recall of both', async () => {
  const res = await cli([...candidateAgainstBaseline, '--truth', truthFile, '--json']);
  assert.equal(res.code, 0, res.err);
  const r = JSON.parse(res.out) as Report;
  const rings = vehicles.filter((v) => v.label === 'zm-straw-ring');
  assert.equal(r.labels!.positives, vehicles.filter((v) => v.isZeroMileage).length);
  assert.ok(
    (r.candidate.ruleHits['ZM-ENTITY-COHORT'] ?? 0) > rings.length / 2,
    JSON.stringify(r.candidate.ruleHits),
  );
  assert.equal(r.baseline.ruleHits['ZM-ENTITY-COHORT'], undefined);
  // Ring cars that break a compliance rule (no after-sales reference, a destination's ban or waiting
  // period) alert in the baseline too, as compliance findings; the others alert only on entity signals.
  const strict = new Set(loadRuleset().rules.destinations.map((d) => d.country));
  const compliant = rings.filter((v) => v.afterSalesConfirmation && !strict.has(v.destinationCountry ?? ''));
  assert.ok(
    r.diff.added.length > compliant.length / 2,
    `${r.diff.added.length} added, ${compliant.length} ring cars break no rule`,
  );
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

  const text = await cli([...candidateAgainstBaseline, '--truth', truthFile]);
  assert.match(text.out, /ZM-ENTITY-COHORT/);
  assert.match(text.out, /alerts added: \d+/);
  assert.match(text.out, /candidate precision \d\.\d{4} recall \d\.\d{4}/);
});

test('from the input topics: the records of [--since, --until) replayed in Kafka timestamp order', async () => {
  const prefix = `${run}.`;
  const since = new Date(Date.now() - 60_000).toISOString();
  const produced = await cli([
    'replay',
    events,
    '--topic-prefix',
    prefix,
    '--create-topics',
    '--allow-invalid',
  ]);
  assert.equal(produced.code, 0, produced.err);
  topicsToDelete.push(...[TOPICS.registrations, TOPICS.declarations].map((t) => `${prefix}${t}`));
  const until = new Date(Date.now() + 60_000).toISOString();
  const args = [
    'backtest',
    '--ruleset',
    DEFAULT_RULESET_FILE,
    '--truth',
    truthFile,
    '--json',
    '--idle-timeout',
    '1',
  ];
  const topics = [TOPICS.registrations, TOPICS.declarations].map((t) => `${prefix}${t}`).join(',');
  const res = await cli([...args, '--from-topics', '--since', since, '--until', until, '--topics', topics]);
  assert.equal(res.code, 0, res.err);
  const fromTopics = JSON.parse(res.out) as Report;
  const fromFile = JSON.parse((await cli([...args, '--ndjson', events])).out) as Report;
  // Not identical: the Kafka timestamps compress the file's days of arrivals into seconds and interleave
  // the two topics by produce time, so the cross-topic order (and with it which ring members a
  // window has reached when they are evaluated) differs a little.
  const [a, b] = [fromTopics.candidate.score!.truePositives, fromFile.candidate.score!.truePositives];
  assert.ok(Math.abs(a - b) <= 0.05 * b, `${a} true positives from the topics, ${b} from the file`);
  assert.equal(fromTopics.labels!.positives, fromFile.labels!.positives);
  assert.ok(fromTopics.candidate.score!.recall > 0.95, JSON.stringify(fromTopics.candidate.score));
  // Nothing before --since: an empty window replays nothing.
  const empty = await cli([...args, '--from-topics', '--since', until, '--until', until, '--topics', topics]);
  assert.equal((JSON.parse(empty.out) as Report).candidate.alerts, 0);
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
    ...candidateAgainstBaseline,
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
