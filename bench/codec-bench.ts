// Codec throughput vs JSON on the same ~100k realistic records.
//   node --import tsx bench/codec-bench.ts [count]
// Prints a table and one JSON line of figures. Medians of 5 timed rounds after a warm-up round.
import {
  DAY_MS,
  HOUR_MS,
  alertIdFor,
  createCodec,
  TOPICS,
  type Alert,
  type CaseOutcome,
  type CustomsDeclarationEvent,
  type RegistrationEvent,
  type Topic,
  type TopicRecordMap,
} from '@zmwatch/schemas';
import { vinFor } from '@zmwatch/test-support/vins';

const COUNT = Number(process.argv[2] ?? 100_000);
const ROUNDS = 5;

let seed = 42;
const rand = (): number => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

const WMIS = ['LGX', 'LSV', 'LFV', 'LRW', 'LVG', 'LB3', 'LSG', 'LNB', 'HJR', 'L6T'];
let vins = 0;
/** Half the VINs carry a wrong check digit, as feeds do. */
const vin = (): string => vinFor(vins++, { prefix: pick(WMIS), validCheckDigit: rand() < 0.5 });
const MODELS: [string, string][] = [
  ['BYD', 'Song PLUS DM-i'],
  ['BYD', 'Seal'],
  ['Geely', 'Galaxy L7'],
  ['Chery', 'Tiggo 8 Pro'],
  ['Changan', 'CS75 PLUS'],
  ['Tesla', 'Model Y'],
  ['Li Auto', 'L7'],
  ['Great Wall', 'Haval H6'],
];
const JURIS = ['CN-GD', 'CN-SH', 'CN-ZJ', 'CN-JS', 'CN-SD', 'CN-XJ', 'CN-HL', 'CN-SC'];
const T0 = Date.parse('2026-01-01T00:00:00Z');
const party = () => ({
  id: `9144${int(1000, 9999)}MA${int(10000, 99999)}X`,
  type: pick(['INDIVIDUAL', 'DEALER', 'TRADING_COMPANY', 'LICENSED_EXPORTER'] as const),
});

function registration(v: string): RegistrationEvent {
  const [make, model] = pick(MODELS);
  const t = T0 + int(0, 90) * DAY_MS + int(0, DAY_MS - 1);
  return {
    eventId: `reg-${int(1e8, 9e8)}`,
    eventType: pick([
      'FIRST_REGISTRATION',
      'FIRST_REGISTRATION',
      'TRANSFER',
      'TEMP_EXPORT_PLATE',
      'DEREGISTRATION',
    ] as const),
    vin: v,
    vinCheckDigitValid: rand() < 0.5,
    jurisdiction: pick(JURIS),
    party: party(),
    pendingExport: rand() < 0.1,
    deregistrationReason: rand() < 0.1 ? 'EXPORT' : null,
    condition: 'NEW',
    make,
    model,
    modelYear: int(2024, 2026),
    fuelType: pick(['ICE', 'HEV', 'PHEV', 'BEV', 'EREV'] as const),
    odometerKm: rand() < 0.6 ? int(0, 50) : null,
    priceCny: rand() < 0.7 ? int(80_000, 400_000) : null,
    plateNumber: rand() < 0.5 ? `粤B${int(10000, 99999)}` : null,
    sourceSystem: 'cn-gd-vms',
    eventTime: t,
    recordedAt: t + int(1_000, HOUR_MS),
  };
}
function declaration(v: string): CustomsDeclarationEvent {
  const t = T0 + int(0, 90) * DAY_MS + int(0, DAY_MS - 1);
  return {
    eventId: `dec-${int(1e8, 9e8)}`,
    eventType: pick(['DECLARED', 'DECLARED', 'AMENDED', 'CLEARED'] as const),
    declarationId: `5316${int(1e13, 9e13)}`,
    vin: v,
    vinCheckDigitValid: rand() < 0.5,
    exporterId: party().id,
    exporterType: pick(['TRADING_COMPANY', 'LICENSED_EXPORTER', 'DEALER'] as const),
    declaredCondition: pick(['NEW', 'USED'] as const),
    declaredOdometerKm: rand() < 0.8 ? int(0, 200) : null,
    destinationCountry: pick(['RU', 'AE', 'KZ', 'KG', 'UZ', 'SA', 'MX']),
    portOfExit: pick(['CNSZX', 'CNSHA', 'CNTAO', 'CNNSA', 'CNKHG']),
    hsCode: pick(['8703800010', '8703600010', '8703230010']),
    declaredValue: int(9_000, 60_000) + int(0, 99) / 100,
    currency: 'USD',
    afterSalesConfirmationRef: rand() < 0.3 ? `ASC-${int(1e6, 9e6)}` : null,
    exportLicenceRef: rand() < 0.5 ? `EL-${int(1e5, 9e5)}` : null,
    eventTime: t,
    recordedAt: t + int(1_000, HOUR_MS),
  };
}
function alert(v: string): Alert {
  const d = declaration(v);
  const days = int(1, 30);
  return {
    alertId: alertIdFor(v, d.declarationId, '2026.03.1'),
    vin: v,
    declarationId: d.declarationId,
    severity: pick(['MEDIUM', 'HIGH', 'CRITICAL'] as const),
    score: Math.round(rand() * 100) / 100,
    rules: [
      {
        ruleId: 'ZM-EXPORT-WITHIN-DAYS',
        weight: 0.5,
        evidence: `exported ${days} days after first registration`,
        facts: { daysSinceFirstRegistration: String(days) },
        numericFacts: { daysSinceFirstRegistration: days },
        typology: 'ZERO_MILEAGE',
        entity: null,
      },
      {
        ruleId: 'ZM-LOW-ODOMETER',
        weight: 0.3,
        evidence: `declared odometer ${d.declaredOdometerKm ?? 0} km`,
        facts: { declaredOdometerKm: String(d.declaredOdometerKm ?? 0) },
        numericFacts: { declaredOdometerKm: d.declaredOdometerKm ?? 0 },
        typology: 'ZERO_MILEAGE',
        entity: null,
      },
    ],
    facts: { daysSinceFirstRegistration: String(days), declaredCondition: d.declaredCondition },
    registrantId: party().id,
    registrantType: 'TRADING_COMPANY',
    exporterId: d.exporterId,
    destinationCountry: d.destinationCountry,
    jurisdiction: pick(JURIS),
    rulesetVersion: '2026.03.1',
    registrationTime: d.eventTime - days * DAY_MS,
    declarationTime: d.eventTime,
    detectedAt: d.eventTime + 2_000,
    revision: 0,
    status: 'ACTIVE',
    revisionReason: null,
    revisedAt: null,
    firstRegistrant: party(),
    holderAtDeclaration: party(),
    exporter: { id: d.exporterId, type: d.exporterType },
    timeline: [],
    typologies: [{ typology: 'ZERO_MILEAGE', score: 0.8, severity: 'HIGH', reached: true }],
  };
}
function caseOutcome(v: string): CaseOutcome {
  const t = T0 + int(0, 90) * DAY_MS;
  return {
    caseId: `case-${v}`,
    vin: v,
    decision: pick(['CONFIRMED', 'DISMISSED'] as const),
    reason: 'registered by a trading company and exported within a week at 12 km',
    analyst: `analyst-${int(1, 20)}`,
    alertIds: [alertIdFor(v, 'd', 'r')],
    openedAt: t,
    decidedAt: t + int(HOUR_MS, 7 * DAY_MS),
  };
}

type Item = { [T in Topic]: { topic: T; record: TopicRecordMap[T] } }[Topic];
const items: Item[] = [];
for (let i = 0; i < COUNT; i++) {
  const v = vin();
  const r = rand();
  if (r < 0.45) items.push({ topic: TOPICS.registrations, record: registration(v) });
  else if (r < 0.9) items.push({ topic: TOPICS.declarations, record: declaration(v) });
  else if (r < 0.98) items.push({ topic: TOPICS.alerts, record: alert(v) });
  else items.push({ topic: TOPICS.caseOutcomes, record: caseOutcome(v) });
}

const codec = await createCodec();
const encodeOne = (it: Item): Buffer => codec.encode(it.topic, it.record as never);
const avroBufs = items.map(encodeOne);
const jsonStrs = items.map((it) => JSON.stringify(it.record));
const jsonBufs = jsonStrs.map((s) => Buffer.from(s));

function measure(fn: () => void): number {
  fn(); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(COUNT / s);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(ROUNDS / 2)]!;
}

let sink = 0;
const results = {
  avroEncode: measure(() => {
    for (const it of items) sink += encodeOne(it).length;
  }),
  jsonStringify: measure(() => {
    for (const it of items) sink += JSON.stringify(it.record).length;
  }),
  jsonStringifyToBuffer: measure(() => {
    for (const it of items) sink += Buffer.from(JSON.stringify(it.record)).length;
  }),
  avroDecode: measure(() => {
    for (const b of avroBufs) sink += codec.decodeSync(b).schemaId;
  }),
  jsonParse: measure(() => {
    for (const s of jsonStrs) sink += (JSON.parse(s) as { eventTime?: number }).eventTime ?? 1;
  }),
  jsonParseFromBuffer: measure(() => {
    for (const b of jsonBufs)
      sink += (JSON.parse(b.toString('utf8')) as { eventTime?: number }).eventTime ?? 1;
  }),
};
const avroBytes = avroBufs.reduce((n, b) => n + b.length, 0);
const jsonBytes = jsonBufs.reduce((n, b) => n + b.length, 0);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
console.log(
  `codec-bench: ${COUNT.toLocaleString('en-US')} records (45% registrations, 45% declarations, 8% alerts, 2% case outcomes), median of ${ROUNDS} rounds, node ${process.version}`,
);
console.log('');
console.log('operation                                   records/s');
console.log('------------------------------------------  ------------');
console.log(`encode  codec.encode (validate + Avro + frame) ${fmt(results.avroEncode)}`);
console.log(`encode  JSON.stringify                      ${fmt(results.jsonStringify)}`);
console.log(`encode  Buffer.from(JSON.stringify)         ${fmt(results.jsonStringifyToBuffer)}`);
console.log(`decode  codec.decodeSync (Avro)             ${fmt(results.avroDecode)}`);
console.log(`decode  JSON.parse(string)                  ${fmt(results.jsonParse)}`);
console.log(`decode  JSON.parse(buffer.toString())       ${fmt(results.jsonParseFromBuffer)}`);
console.log('');
console.log(
  `size    Avro ${(avroBytes / COUNT).toFixed(1)} B/record (incl. 5-byte header), JSON ${(jsonBytes / COUNT).toFixed(1)} B/record, ratio ${(avroBytes / jsonBytes).toFixed(3)}`,
);
console.log(
  JSON.stringify({
    bench: 'codec',
    records: COUNT,
    node: process.version,
    encodePerSec: Math.round(results.avroEncode),
    jsonStringifyPerSec: Math.round(results.jsonStringify),
    jsonStringifyToBufferPerSec: Math.round(results.jsonStringifyToBuffer),
    decodePerSec: Math.round(results.avroDecode),
    jsonParsePerSec: Math.round(results.jsonParse),
    jsonParseFromBufferPerSec: Math.round(results.jsonParseFromBuffer),
    decodeVsJsonParse: Number((results.avroDecode / results.jsonParse).toFixed(2)),
    encodeVsJsonStringify: Number((results.avroEncode / results.jsonStringify).toFixed(2)),
    avroBytesPerRecord: Number((avroBytes / COUNT).toFixed(1)),
    jsonBytesPerRecord: Number((jsonBytes / COUNT).toFixed(1)),
    sizeRatio: Number((avroBytes / jsonBytes).toFixed(3)),
    sink: sink % 10,
  }),
);
