/** The insights sink's test data set (seven VINs whose figures are worked out by hand), its topics, producer and config. */
import {
  alertV2Defaults,
  alertV3Defaults,
  DAY_MS,
  HOUR_MS,
  TOPICS,
  type Alert,
  type CaseOutcome,
  type Codec,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
} from '@zmwatch/schemas';
import type { Kafka } from 'kafkajs';
import { createIdempotentProducer } from '@zmwatch/kit';
import type { InsightsApp, InsightsConfig, InsightsRecord } from '@zmwatch/insights';
import { vinFor } from './vins.js';

const at = (iso: string) => Date.parse(`${iso}T08:00:00Z`);

function registration(
  run: string,
  vin: string,
  day: string,
  jurisdiction: string,
  party: string,
  make: string,
): RegistrationEvent {
  return {
    eventId: `${run}-reg-${vin}`,
    eventType: 'FIRST_REGISTRATION',
    vin,
    vinCheckDigitValid: true,
    jurisdiction,
    party: { id: `${party}-${run}`, type: 'TRADING_COMPANY' },
    pendingExport: false,
    deregistrationReason: null,
    condition: 'NEW',
    make,
    model: 'M',
    modelYear: 2026,
    fuelType: 'PHEV',
    odometerKm: 0,
    priceCny: 150_000,
    plateNumber: null,
    sourceSystem: 'test',
    eventTime: at(day),
    recordedAt: at(day),
  };
}

function declaration(
  run: string,
  vin: string,
  day: string,
  opts: {
    exporter: string;
    destination: string;
    condition?: 'USED' | 'NEW';
    type?: CustomsDeclarationEvent['eventType'];
    seq?: number;
  },
): CustomsDeclarationEvent {
  return {
    eventId: `${run}-decl-${vin}-${opts.seq ?? 0}`,
    eventType: opts.type ?? 'DECLARED',
    declarationId: `DEC-${run}-${vin.slice(-6)}`,
    vin,
    vinCheckDigitValid: true,
    exporterId: `${opts.exporter}-${run}`,
    exporterType: 'TRADING_COMPANY',
    declaredCondition: opts.condition ?? 'USED',
    declaredOdometerKm: 10,
    destinationCountry: opts.destination,
    portOfExit: 'CNSZX',
    hsCode: '8703800010',
    declaredValue: 20_000,
    currency: 'USD',
    afterSalesConfirmationRef: null,
    exportLicenceRef: null,
    eventTime: at(day),
    recordedAt: at(day),
  };
}

function alert(run: string, d: CustomsDeclarationEvent, reg: RegistrationEvent | null): Alert {
  return {
    ...alertV2Defaults(),
    ...alertV3Defaults(),
    alertId: `zma-${run}-${d.vin}`,
    vin: d.vin,
    declarationId: d.declarationId,
    severity: 'CRITICAL',
    score: 90,
    rules: [],
    facts: {},
    registrantId: reg?.party.id ?? null,
    registrantType: reg ? 'TRADING_COMPANY' : null,
    exporterId: d.exporterId,
    destinationCountry: d.destinationCountry,
    jurisdiction: reg?.jurisdiction ?? null,
    rulesetVersion: '2026.03.1',
    registrationTime: reg?.eventTime ?? null,
    declarationTime: d.eventTime,
    detectedAt: d.eventTime + 1000,
  };
}

function outcome(
  vin: string,
  decision: CaseOutcome['decision'],
  alertIds: string[],
  decidedAt: number,
): CaseOutcome {
  return {
    caseId: `case-${vin}`,
    vin,
    decision,
    reason: 'test',
    analyst: 'analyst',
    alertIds,
    openedAt: decidedAt - DAY_MS,
    decidedAt,
  };
}

/**
 * Test data: seven VINs whose figures are worked out by hand in test/figures.test.ts:
 * A GD exported used after 5 days, flagged and confirmed; B GD after 40 days, its alert withdrawn
 * by revision 1; C SH after 120 days, flagged and dismissed; D SH not exported; E GD declared NEW;
 * F GD declared used then cancelled; G exported used with no registration seen.
 */
export function dataset(run: string) {
  const v = (n: number) => vinFor(`${run}-${n}`);
  const [A, B, C, D, E, F, G] = [1, 2, 3, 4, 5, 6, 7].map(v) as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const rA = registration(run, A, '2026-01-05', 'CN-GD', 'R1', 'BYD');
  const rB = registration(run, B, '2026-01-20', 'CN-GD', 'R1', 'BYD');
  const rC = registration(run, C, '2026-01-15', 'CN-SH', 'R2', 'Geely');
  const rD = registration(run, D, '2026-02-01', 'CN-SH', 'R2', 'Geely');
  const rE = registration(run, E, '2026-02-03', 'CN-GD', 'R1', 'BYD');
  const rF = registration(run, F, '2026-02-04', 'CN-GD', 'R1', 'BYD');
  const dA = declaration(run, A, '2026-01-10', { exporter: 'E1', destination: 'RU' });
  const dB = declaration(run, B, '2026-03-01', { exporter: 'E1', destination: 'KZ' });
  const dC = declaration(run, C, '2026-05-15', { exporter: 'E2', destination: 'AE' });
  const dE = declaration(run, E, '2026-02-10', { exporter: 'E1', destination: 'RU', condition: 'NEW' });
  const dF = declaration(run, F, '2026-02-08', { exporter: 'E1', destination: 'RU' });
  const dFx = declaration(run, F, '2026-02-09', {
    exporter: 'E1',
    destination: 'RU',
    type: 'CANCELLED',
    seq: 1,
  });
  const dG = declaration(run, G, '2026-02-09', { exporter: 'E2', destination: 'RU' });
  const aA = alert(run, dA, rA);
  const aB = alert(run, dB, rB);
  const aC = alert(run, dC, rC);
  const registrations = [rA, rB, rC, rD, rE, rF];
  const declarations = [dA, dB, dC, dE, dF, dFx, dG];
  const alerts: Array<{ alert: Alert; revision: number; status: 'ACTIVE' | 'WITHDRAWN' }> = [
    { alert: aA, revision: 0, status: 'ACTIVE' },
    { alert: aB, revision: 0, status: 'ACTIVE' },
    { alert: { ...aB, detectedAt: aB.detectedAt + 5000 }, revision: 1, status: 'WITHDRAWN' },
    { alert: aC, revision: 0, status: 'ACTIVE' },
  ];
  const outcomes = [
    outcome(A, 'CONFIRMED', [aA.alertId], dA.eventTime + 2 * DAY_MS),
    outcome(C, 'DISMISSED', [aC.alertId], dC.eventTime + 2 * DAY_MS),
  ];
  const records: InsightsRecord[] = [
    ...registrations.map((event) => ({ kind: 'registration' as const, event })),
    ...declarations.map((event) => ({ kind: 'declaration' as const, event })),
    ...alerts.map((a) => ({ kind: 'alert' as const, ...a })),
    ...outcomes.map((o) => ({ kind: 'outcome' as const, outcome: o })),
  ];
  return { vins: { A, B, C, D, E, F, G }, registrations, declarations, alerts, outcomes, records };
}

/** Topic names for one test run (each with its `.dlq`). */
export function testTopics(run: string) {
  return {
    registrations: `vehicle.registrations.v1.insights-${run}`,
    declarations: `customs.declarations.v1.insights-${run}`,
    alerts: `zm.alerts.v1.insights-${run}`,
    caseOutcomes: `zm.case-outcomes.v1.insights-${run}`,
  };
}

/**
 * The dataset as the pipeline's producers would write it: key = VIN, Confluent-framed Avro. Alert
 * revisions travel only where the contract has them; without, every alert reads as revision 0.
 */
export function encodedDataset(
  codec: Codec,
  topics: ReturnType<typeof testTopics>,
  data: ReturnType<typeof dataset>,
): Array<{ topic: string; messages: Array<{ key: string; value: Buffer }> }> {
  return [
    {
      topic: topics.registrations,
      messages: data.registrations.map((e) => ({ key: e.vin, value: codec.encode(TOPICS.registrations, e) })),
    },
    {
      topic: topics.declarations,
      messages: data.declarations.map((e) => ({ key: e.vin, value: codec.encode(TOPICS.declarations, e) })),
    },
    {
      topic: topics.alerts,
      messages: data.alerts.map((a) => ({ key: a.alert.vin, value: codec.encode(TOPICS.alerts, a.alert) })),
    },
    {
      topic: topics.caseOutcomes,
      messages: data.outcomes.map((o) => ({ key: o.vin, value: codec.encode(TOPICS.caseOutcomes, o) })),
    },
  ];
}

/** Creates the run's topics (3 partitions, DLQs 1) and returns a function that deletes them. */
export async function createTestTopics(kafka: Kafka, topics: ReturnType<typeof testTopics>) {
  const all = Object.values(topics).flatMap((t) => [t, `${t}.dlq`]);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: all.map((topic) => ({ topic, numPartitions: topic.endsWith('.dlq') ? 1 : 3 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  return async () => {
    const a = kafka.admin();
    await a.connect();
    await a.deleteTopics({ topics: all }).catch(() => undefined);
    await a.disconnect();
  };
}

/** Produces the dataset (and any extra messages) with acks from all replicas. */
export async function produceDataset(
  kafka: Kafka,
  codec: Codec,
  topics: ReturnType<typeof testTopics>,
  data: ReturnType<typeof dataset>,
  extra: Array<{ topic: string; messages: Array<{ key: string; value: Buffer }> }> = [],
): Promise<void> {
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  await producer.sendBatch({ acks: -1, topicMessages: [...encodedDataset(codec, topics, data), ...extra] });
  await producer.disconnect();
}

/** Records the sink has written so far (its counter; replayed duplicates included). */
export async function storedTotal(app: InsightsApp): Promise<number> {
  return (await app.metrics.stored.get()).values.reduce((n, v) => n + v.value, 0);
}

export async function waitUntil(what: string, ok: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A sink config for tests: the run's topics and group, a given DuckDB file, an ephemeral port. */
export function testSinkConfig(run: string, brokers: string[], dbPath: string): InsightsConfig {
  return {
    brokers,
    clientId: `insights-test-${run}`,
    groupId: `insights-test-${run}`,
    topics: testTopics(run),
    fromBeginning: true,
    dbPath,
    retentionDays: 36_500,
    retentionIntervalMs: HOUR_MS,
    maxRetryDelayMs: 1_000,
    // Short, so a test's records are stored quickly; production waits a second (config.ts).
    fetchWaitMs: 200,
    fetchMinBytes: 1_048_576,
    partitionsConcurrently: 8,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
  };
}
