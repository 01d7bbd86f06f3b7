// The insights sink on the seeded >= 1,000,000-event set.
//   node --import tsx bench/insights-bench.ts [--seed 42] [--vehicles 700000] [--batch 2000] [--runs 20]
// Encodes the simulator's events as the feeds do (Confluent-framed Avro), then runs them through the
// sink's own decode and DuckDB write path (src/decode.ts + src/store.ts: one transaction per batch,
// the size of a kafkajs batch) into a fresh file, with alerts for the scenario's zero-mileage exports
// (one per live declaration, from the ground truth) and a CONFIRMED outcome for every second one.
// Then times each query of the Insights page (src/figures.ts) `--runs` times: all months, and one
// jurisdiction drilled down by maker. Prints a table and one JSON line. Kafka is not involved: the
// figure is the sink's own cost per record (the kit's consume loop is measured by the detector bench).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KafkaMessage } from 'kafkajs';
import { openStore, REPORT_PARTS, runReportPart, parseReportQuery, type ReportPart } from '@zmwatch/insights';
import { createDecoder } from '@zmwatch/insights/decode';
import {
  DAY_MS,
  alertIdFor,
  alertV2Defaults,
  alertV3Defaults,
  createCodec,
  TOPICS,
  type Alert,
  type CaseOutcome,
} from '@zmwatch/schemas';
import { generateScenario, type VehicleTruth } from '@zmwatch/simulator';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '42' },
    vehicles: { type: 'string', default: '700000' },
    batch: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '20' },
  },
});

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pctl = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

function alertFor(t: VehicleTruth, declarationId: string): Alert {
  return {
    ...alertV2Defaults(),
    ...alertV3Defaults(),
    alertId: alertIdFor(t.vin, declarationId, 'bench'),
    vin: t.vin,
    declarationId,
    severity: 'CRITICAL',
    score: 90,
    rules: [],
    facts: {},
    registrantId: t.registrantId,
    registrantType: t.registrantType,
    exporterId: t.exporterId ?? 'unknown',
    destinationCountry: t.destinationCountry ?? 'ZZ',
    jurisdiction: t.jurisdiction,
    rulesetVersion: 'bench',
    registrationTime: t.firstRegistrationTime,
    declarationTime: t.exportTime ?? 0,
    detectedAt: (t.exportTime ?? 0) + 1000,
  };
}

async function main(): Promise<void> {
  const codec = await createCodec();
  const scenario = generateScenario({ seed: Number(args.seed), vehicles: Number(args.vehicles) });
  const batchSize = Number(args.batch);
  const runs = Number(args.runs);
  const topics = {
    registrations: TOPICS.registrations,
    declarations: TOPICS.declarations,
    alerts: TOPICS.alerts,
    caseOutcomes: TOPICS.caseOutcomes,
  };
  const decode = createDecoder(codec, topics);

  // The encoded stream, in arrival order, as the sink would read it.
  const started = performance.now();
  const stream: Array<{ topic: string; value: Buffer }> = [];
  let confirmed = 0;
  for (const item of scenario.items()) {
    if (item.kind === 'event') {
      const e = item.event;
      stream.push({
        topic: e.topic,
        value: e.value === null ? e.bytes : codec.encode(e.topic, e.value as never),
      });
    } else if (item.kind === 'vehicle' && item.truth.isZeroMileage && item.truth.exportTime !== null) {
      const t = item.truth;
      for (const d of t.declarationIds) {
        const a = alertFor(t, d);
        stream.push({ topic: TOPICS.alerts, value: codec.encode(TOPICS.alerts, a) });
        if (t.vehicle % 2 === 0) {
          confirmed++;
          const o: CaseOutcome = {
            caseId: `case-${t.vin}`,
            vin: t.vin,
            decision: 'CONFIRMED',
            reason: 'bench',
            analyst: 'bench',
            alertIds: [a.alertId],
            openedAt: a.detectedAt,
            decidedAt: a.detectedAt + DAY_MS,
          };
          stream.push({ topic: TOPICS.caseOutcomes, value: codec.encode(TOPICS.caseOutcomes, o) });
        }
      }
    }
  }
  const generatedS = (performance.now() - started) / 1000;

  const dir = mkdtempSync(join(tmpdir(), 'zm-insights-bench-'));
  const file = join(dir, 'insights.duckdb');
  const store = await openStore(file);
  let deadLettered = 0;
  const t0 = performance.now();
  for (let i = 0; i < stream.length; i += batchSize) {
    const records = [];
    for (const m of stream.slice(i, i + batchSize)) {
      try {
        records.push(await decode({ value: m.value } as KafkaMessage, m.topic));
      } catch {
        deadLettered++;
      }
    }
    await store.write(records);
  }
  const ingestS = (performance.now() - t0) / 1000;
  const counts = await store.counts();

  const queries = {
    all: parseReportQuery({}),
    'CN-GD by maker': parseReportQuery({ jurisdiction: 'CN-GD', by: 'maker' }),
  };
  const latency: Record<string, Record<ReportPart, { p50: number; p99: number }>> = {};
  for (const [name, q] of Object.entries(queries)) {
    latency[name] = {} as Record<ReportPart, { p50: number; p99: number }>;
    for (const part of REPORT_PARTS) {
      const ms: number[] = [];
      for (let r = 0; r < runs; r++) {
        const s = performance.now();
        await runReportPart(store.reader(), q, part);
        ms.push(performance.now() - s);
      }
      latency[name][part] = { p50: Math.round(pctl(ms, 50)), p99: Math.round(pctl(ms, 99)) };
    }
  }
  const rows = (await runReportPart(store.reader(), queries.all, 'rows')).length;
  await store.close();
  const bytes = statSync(file).size;
  rmSync(dir, { recursive: true, force: true });

  const lines = [
    `Insights sink: seed ${args.seed}, ${fmt(Number(args.vehicles))} vehicles, ${fmt(stream.length)} records (events + ${fmt(counts.alerts)} alerts + ${fmt(confirmed)} outcomes), generated and encoded in ${generatedS.toFixed(1)} s`,
    '',
    `ingest (decode + DuckDB, ${fmt(batchSize)}-record transactions): ${fmt(stream.length / ingestS)} records/s (${ingestS.toFixed(1)} s), ${fmt(deadLettered)} undecodable/invalid`,
    `stored: registrations ${fmt(counts.registrations)}, declarations ${fmt(counts.declarations)}, alerts ${fmt(counts.alerts)}, outcomes ${fmt(counts.case_outcomes)}; file ${(bytes / 1e6).toFixed(0)} MB; report rows (all) ${fmt(rows)}`,
    '',
    `query latency over ${runs} runs (ms)    ${Object.keys(queries)
      .map((n) => `${n.padStart(22)}`)
      .join('')}`,
    ...REPORT_PARTS.map(
      (p) =>
        `  ${p.padEnd(34)} ${Object.keys(queries)
          .map((n) =>
            `p50 ${String(latency[n]![p].p50).padStart(5)} p99 ${String(latency[n]![p].p99).padStart(5)}`.padStart(
              22,
            ),
          )
          .join('')}`,
    ),
  ];
  console.log(lines.join('\n'));
  console.log(
    JSON.stringify({
      bench: 'insights',
      seed: Number(args.seed),
      vehicles: Number(args.vehicles),
      records: stream.length,
      batch: batchSize,
      ingestRecordsPerSecond: Math.round(stream.length / ingestS),
      ingestSeconds: Number(ingestS.toFixed(2)),
      deadLettered,
      stored: counts,
      fileBytes: bytes,
      runs,
      latencyMs: latency,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
