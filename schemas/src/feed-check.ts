/**
 * Feed check: what a sample of an input topic says about its producer's keeping of the feed
 * contract (key = normalised VIN, murmur2 partitioning, known schema ids, valid VINs, values in
 * range, sane event times). Pure apart from the codec (which may fetch an unseen writer id from a
 * registry): the CLI's `zmwatch feeds check` and the console's ops page sample Kafka and hand the
 * records here, so both report the same thing in the same words.
 */
import { crc32 } from 'node:zlib';
import { readWireHeader, type Codec, type Decoded } from './codec.js';
import { DLQ_ERROR_CLASSES } from './error-classes.js';
import { UnknownSchemaIdError, isCodecError } from './errors.js';
import { contractPartition, placementProblem } from './partitioning.js';
import { DAY_MS, HOUR_MS } from './time-units.js';
import { TOPICS, dlqTopicFor, repartitionTopicFor, type Topic } from './topics.js';
import { OutOfRangeError, VALUE_RANGES, rangeProblems, type RangeProblem } from './value-ranges.js';
import { validateVin } from './vin.js';

/** The two feeds zmwatch consumes from other organisations (the topics `feeds check` samples by default). */
export const INPUT_TOPICS = [TOPICS.registrations, TOPICS.declarations] as const;
export type InputTopic = (typeof INPUT_TOPICS)[number];

const isInputTopic = (t: string): t is InputTopic => (INPUT_TOPICS as readonly string[]).includes(t);

/** Event times further ahead of arrival than this are reported as a problem (clock or unit error). */
export const FUTURE_SKEW_THRESHOLD_MS = 7 * DAY_MS;

/** One sampled record as read from Kafka. */
export interface SampledRecord {
  topic: string;
  partition: number;
  /** Partitions of the topic when sampled (placement is murmur2 modulo this). */
  partitionCount: number;
  offset: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
  /** The record's Kafka timestamp (producer CreateTime or broker LogAppendTime), epoch ms. */
  timestampMs: number;
}

export interface FeedCheckOptions {
  codec: Codec;
  /** Contract each topic must carry; default: the topic's own for the standard names, else either input contract. */
  contractOf?: (topic: string) => InputTopic | undefined;
  futureSkewThresholdMs?: number;
  /** Examples kept per finding (default 5). */
  maxExamples?: number;
}

/** Where a schema id's writer schema came from. */
export type SchemaIdSource =
  /** In the catalog the codec started with (the embedded catalog.json, or one it writes). */
  | 'known'
  /** Not known up front, fetched from the schema registry. */
  | 'fetched'
  /** Neither the catalog nor the registry knows it. */
  | 'unknown'
  /** The registry could not be asked (unreachable, 5xx): consumers wait and retry. */
  | 'unavailable';

export interface SchemaIdSeen {
  id: number;
  count: number;
  source: SchemaIdSource;
  /** The record type it decodes to (`<topic>`'s contract), when it decodes. */
  contract: Topic | null;
}

export interface Finding<E> {
  count: number;
  /** Count / sampled records, 0..1. */
  share: number;
  examples: E[];
}

export interface PlacementExample {
  partition: number;
  offset: string;
  vin: string;
  key: string | null;
  expectedPartition: number;
}

export interface SkewStats {
  p50: number;
  p99: number;
  max: number;
}

export interface TopicFeedReport {
  topic: string;
  partitions: number;
  sampled: number;
  /** Records checked for placement and skew: decoded, valid VIN, values in range (the ones the detector processes). */
  placementChecked: number;
  wrongPartition: Finding<PlacementExample> & {
    /** Which partitioner the misplaced records fit: 'crc32' is librdkafka's default (consistent_random). */
    likelyPartitioner: 'crc32' | 'unknown' | null;
  };
  noKey: Finding<PlacementExample>;
  keyNotVin: Finding<PlacementExample>;
  schemaIds: SchemaIdSeen[];
  undecodable: Finding<{ partition: number; offset: string; errorClass: string; message: string }> & {
    byClass: Record<string, number>;
  };
  invalidVins: Finding<{ partition: number; offset: string; vin: string; reason: string }>;
  outOfRange: Finding<{ partition: number; offset: string; vin: string | null; problem: RangeProblem }> & {
    byField: Record<string, number>;
  };
  /** Record timestamp minus eventTime: how late events arrive (positive) or how far ahead their time is. */
  skew: {
    measured: number;
    /** Arrival after the event time (the normal case), ms. */
    late: SkewStats | null;
    /** Event time after arrival, ms. */
    ahead: SkewStats | null;
    aheadBeyondThreshold: number;
    thresholdMs: number;
  };
  /** Plain-language lines: what is wrong, how many, what zmwatch does about it. Empty when clean. */
  problems: string[];
}

export interface FeedCheckReport {
  topics: TopicFeedReport[];
  /** Every topic's problem lines, each starting with its topic. */
  problems: string[];
  ok: boolean;
}

const share = (n: number, of: number): number => (of === 0 ? 0 : n / of);

function percentile(sorted: readonly number[], p: number): number {
  // Nearest rank: the smallest value with at least p of the sample at or below it.
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i]!;
}

function stats(values: number[]): SkewStats | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  return { p50: percentile(values, 0.5), p99: percentile(values, 0.99), max: values[values.length - 1]! };
}

const keyText = (key: Uint8Array | null): string | null =>
  key === null || key.length === 0
    ? null
    : Buffer.from(key.buffer, key.byteOffset, key.length).toString('utf8');

const pct = (x: number): string => `${(x * 100).toFixed(x < 0.001 && x > 0 ? 2 : 1)}%`;
const num = (n: number): string => n.toLocaleString('en-US');
const days = (ms: number): string =>
  ms >= DAY_MS ? `${(ms / DAY_MS).toFixed(1)} days` : `${(ms / HOUR_MS).toFixed(1)} h`;

const errorClass = (err: unknown): string =>
  isCodecError(err) ? err.code : err instanceof Error ? err.name : 'Error';

/** Checks samples of one or more topics; records of a topic are reported together, topics in first-seen order. */
export async function checkFeeds(
  records: readonly SampledRecord[],
  options: FeedCheckOptions,
): Promise<FeedCheckReport> {
  const byTopic = new Map<string, SampledRecord[]>();
  for (const r of records) {
    let list = byTopic.get(r.topic);
    if (!list) byTopic.set(r.topic, (list = []));
    list.push(r);
  }
  const topics: TopicFeedReport[] = [];
  for (const [topic, list] of byTopic) topics.push(await checkTopic(topic, list, options));
  const problems = topics.flatMap((t) => t.problems);
  return { topics, problems, ok: problems.length === 0 };
}

/** The report of a topic with no records to sample (so an empty feed still appears, clean). */
export function emptyTopicReport(topic: string, partitions: number): TopicFeedReport {
  return buildReport(topic, partitions, [], FUTURE_SKEW_THRESHOLD_MS, 0, false);
}

type Accumulator = ReturnType<typeof newAccumulator>;

function newAccumulator() {
  return {
    placementChecked: 0,
    wrongPartition: [] as PlacementExample[],
    crc32Fits: 0,
    noKey: [] as PlacementExample[],
    keyNotVin: [] as PlacementExample[],
    ids: new Map<number, SchemaIdSeen>(),
    undecodable: [] as TopicFeedReport['undecodable']['examples'],
    invalidVins: [] as TopicFeedReport['invalidVins']['examples'],
    outOfRange: [] as { partition: number; offset: string; vin: string | null; problems: RangeProblem[] }[],
    late: [] as number[],
    ahead: [] as number[],
    aheadBeyond: 0,
  };
}

async function checkTopic(
  topic: string,
  records: readonly SampledRecord[],
  options: FeedCheckOptions,
): Promise<TopicFeedReport> {
  const { codec } = options;
  const expected = (options.contractOf ?? ((t) => (isInputTopic(t) ? t : undefined)))(topic);
  const threshold = options.futureSkewThresholdMs ?? FUTURE_SKEW_THRESHOLD_MS;
  const upFront = new Set<number>([...(await codec.catalog.preload()).map((s) => s.id)]);
  for (const t of INPUT_TOPICS) upFront.add(codec.schemaIdFor(t));
  const acc = newAccumulator();
  let partitions = 0;

  for (const r of records) {
    partitions = Math.max(partitions, r.partitionCount);
    let id: number | undefined;
    try {
      id = readWireHeader(r.value).schemaId;
    } catch {
      // no header: counted as undecodable below
    }
    let decoded: Decoded | undefined;
    let failure: unknown;
    try {
      decoded = await codec.decode(r.value);
    } catch (err) {
      failure = err;
    }
    if (id !== undefined) {
      let seen = acc.ids.get(id);
      if (!seen) {
        const source: SchemaIdSource = upFront.has(id)
          ? 'known'
          : failure instanceof UnknownSchemaIdError
            ? 'unknown'
            : isCodecError(failure) && failure.retriable
              ? 'unavailable'
              : 'fetched';
        acc.ids.set(id, (seen = { id, count: 0, source, contract: decoded?.topic ?? null }));
      }
      seen.count++;
      seen.contract ??= decoded?.topic ?? null;
    }
    if (failure instanceof OutOfRangeError) {
      // A codec that validates ranges at decode rejects the record itself; report it the same way.
      acc.outOfRange.push({
        partition: r.partition,
        offset: r.offset,
        vin: null,
        problems: [...failure.problems],
      });
      continue;
    }
    if (failure !== undefined || !decoded) {
      acc.undecodable.push({
        partition: r.partition,
        offset: r.offset,
        errorClass: errorClass(failure),
        message: failure instanceof Error ? failure.message : String(failure),
      });
      continue;
    }
    if (expected ? decoded.topic !== expected : !isInputTopic(decoded.topic)) {
      acc.undecodable.push({
        partition: r.partition,
        offset: r.offset,
        errorClass: DLQ_ERROR_CLASSES.schemaMismatch,
        message: `schema id ${decoded.schemaId} is the record of ${decoded.topic}, not of ${expected ?? 'an input feed'}`,
      });
      continue;
    }
    const record = decoded.record as { vin: string; eventTime: number };
    const vin = validateVin(record.vin);
    const problems = rangeProblems(record);
    if (problems.length > 0)
      acc.outOfRange.push({ partition: r.partition, offset: r.offset, vin: record.vin, problems });
    if (!vin.ok)
      acc.invalidVins.push({ partition: r.partition, offset: r.offset, vin: record.vin, reason: vin.reason });
    // A record the detector dead-letters is never re-routed, and its times are not evidence of skew.
    if (problems.length > 0 || !vin.ok) continue;
    checkPlacement(r, vin.vin, acc);
    const skew = r.timestampMs - record.eventTime;
    if (skew >= 0) acc.late.push(skew);
    else {
      acc.ahead.push(-skew);
      if (-skew > threshold) acc.aheadBeyond++;
    }
  }
  return buildReport(
    topic,
    partitions,
    records,
    threshold,
    options.maxExamples ?? 5,
    codec.catalog.kind === 'registry',
    acc,
  );
}

function checkPlacement(r: SampledRecord, vin: string, acc: Accumulator): void {
  acc.placementChecked++;
  const problem = placementProblem(r.key, vin, r.partition, r.partitionCount);
  if (problem === undefined) return;
  const example: PlacementExample = {
    partition: r.partition,
    offset: r.offset,
    vin,
    key: keyText(r.key),
    expectedPartition: contractPartition(vin, r.partitionCount),
  };
  if (problem === 'no-key') acc.noKey.push(example);
  else if (problem === 'key-not-vin') acc.keyNotVin.push(example);
  else {
    acc.wrongPartition.push(example);
    // librdkafka's consistent_random: CRC32 of the key bytes modulo the partition count.
    if (r.key && crc32(r.key) % r.partitionCount === r.partition) acc.crc32Fits++;
  }
}

function buildReport(
  topic: string,
  partitions: number,
  records: readonly SampledRecord[],
  thresholdMs: number,
  maxExamples: number,
  registry: boolean,
  acc: Accumulator = newAccumulator(),
): TopicFeedReport {
  const n = records.length;
  const finding = <E>(list: E[]): Finding<E> => ({
    count: list.length,
    share: share(list.length, n),
    examples: list.slice(0, maxExamples),
  });
  const byClass: Record<string, number> = {};
  for (const u of acc.undecodable) byClass[u.errorClass] = (byClass[u.errorClass] ?? 0) + 1;
  const byField: Record<string, number> = {};
  for (const o of acc.outOfRange)
    for (const p of o.problems) {
      const field = p.path.replace(/\[\d+\]/g, '');
      byField[field] = (byField[field] ?? 0) + 1;
    }
  const wrong = acc.wrongPartition.length;
  const report: TopicFeedReport = {
    topic,
    partitions,
    sampled: n,
    placementChecked: acc.placementChecked,
    wrongPartition: {
      ...finding(acc.wrongPartition),
      likelyPartitioner: wrong === 0 ? null : acc.crc32Fits === wrong ? 'crc32' : 'unknown',
    },
    noKey: finding(acc.noKey),
    keyNotVin: finding(acc.keyNotVin),
    schemaIds: [...acc.ids.values()].sort((a, b) => a.id - b.id),
    undecodable: { ...finding(acc.undecodable), byClass },
    invalidVins: finding(acc.invalidVins),
    outOfRange: {
      count: acc.outOfRange.length,
      share: share(acc.outOfRange.length, n),
      examples: acc.outOfRange
        .slice(0, maxExamples)
        .map((o) => ({ partition: o.partition, offset: o.offset, vin: o.vin, problem: o.problems[0]! })),
      byField,
    },
    skew: {
      measured: acc.late.length + acc.ahead.length,
      late: stats(acc.late),
      ahead: stats(acc.ahead),
      aheadBeyondThreshold: acc.aheadBeyond,
      thresholdMs,
    },
    problems: [],
  };
  report.problems = problemLines(report, registry);
  return report;
}

const counted = (list: Record<string, number>): string =>
  Object.entries(list)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${num(v)}`)
    .join(', ');

/** What is wrong, how many, and what zmwatch does about it, one line per finding. */
function problemLines(r: TopicFeedReport, registry: boolean): string[] {
  const out: string[] = [];
  const of = `of ${num(r.sampled)} sampled`;
  const reroute = `the detector re-routes them through ${repartitionTopicFor(r.topic)} (keyed and partitioned by the contract), so detection stays correct at the cost of a detour`;
  const dlq = `the detector dead-letters them to ${dlqTopicFor(r.topic)}`;
  if (r.wrongPartition.count > 0) {
    const e = r.wrongPartition.examples[0]!;
    const who =
      r.wrongPartition.likelyPartitioner === 'crc32'
        ? "; they fit CRC32 of the key, librdkafka's default partitioner (Python, Go, C/C++, .NET clients)"
        : '';
    out.push(
      `${r.topic}: ${num(r.wrongPartition.count)} ${of} records (${pct(r.wrongPartition.share)}) are on the wrong partition (e.g. ${e.vin} on ${e.partition}, contract: murmur2 → ${e.expectedPartition} of ${r.partitions})${who}; ${reroute}.`,
    );
  }
  if (r.keyNotVin.count > 0) {
    const e = r.keyNotVin.examples[0]!;
    out.push(
      `${r.topic}: ${num(r.keyNotVin.count)} ${of} records (${pct(r.keyNotVin.share)}) have a key that is not the value's normalised VIN (e.g. key ${JSON.stringify(e.key)} for ${e.vin}); ${reroute}.`,
    );
  }
  if (r.noKey.count > 0) {
    out.push(
      `${r.topic}: ${num(r.noKey.count)} ${of} records (${pct(r.noKey.share)}) have no key; ${reroute}.`,
    );
  }
  const unknown = r.schemaIds.filter((s) => s.source === 'unknown');
  if (unknown.length > 0) {
    out.push(
      `${r.topic}: schema id${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => `${s.id} (${num(s.count)} record${s.count === 1 ? '' : 's'})`).join(', ')} unknown to ${registry ? 'the catalog and the schema registry' : 'the embedded catalog (no schema registry configured)'}; ${dlq} as UnknownSchemaId (${registry ? 'find out which registry the producer writes to' : "set ZM_SCHEMA_REGISTRY_URL to the producer's registry"}).`,
    );
  }
  const unavailable = r.schemaIds.filter((s) => s.source === 'unavailable');
  if (unavailable.length > 0) {
    out.push(
      `${r.topic}: schema id${unavailable.length > 1 ? 's' : ''} ${unavailable.map((s) => s.id).join(', ')} could not be fetched (registry unreachable); consumers wait and retry, the partition does not advance until it answers.`,
    );
  }
  const otherUndecodable = r.undecodable.count - unknown.reduce((s, u) => s + u.count, 0);
  if (otherUndecodable > 0) {
    const classes = { ...r.undecodable.byClass };
    delete classes.UnknownSchemaId;
    delete classes.SchemaRegistry;
    if (Object.keys(classes).length > 0)
      out.push(
        `${r.topic}: ${num(Object.values(classes).reduce((s, v) => s + v, 0))} ${of} records do not decode (${counted(classes)}); ${dlq}.`,
      );
  }
  if (r.invalidVins.count > 0) {
    const e = r.invalidVins.examples[0]!;
    out.push(
      `${r.topic}: ${num(r.invalidVins.count)} ${of} records carry an invalid VIN (e.g. ${JSON.stringify(e.vin)}: ${e.reason}); ${dlq} as ${DLQ_ERROR_CLASSES.invalidVin}.`,
    );
  }
  if (r.outOfRange.count > 0) {
    out.push(
      `${r.topic}: ${num(r.outOfRange.count)} ${of} records hold values out of range (${counted(r.outOfRange.byField)}; ranges: event times ${new Date(VALUE_RANGES.timeMs.min).getUTCFullYear()}..${new Date(VALUE_RANGES.timeMs.max).getUTCFullYear()}, finite numbers (odometers: safe integers), short strings without control characters); ${dlq} as ${DLQ_ERROR_CLASSES.outOfRange}.`,
    );
  }
  if (r.skew.aheadBeyondThreshold > 0) {
    out.push(
      `${r.topic}: ${num(r.skew.aheadBeyondThreshold)} ${of} records have an event time more than ${days(r.skew.thresholdMs)} after they arrived (up to ${days(r.skew.ahead?.max ?? 0)}): a producer clock or unit error (seconds for milliseconds?); zmwatch matches by event time as given, so their windows are wrong.`,
    );
  }
  return out;
}
