/**
 * Feed health: the newest records of each input topic checked against the feed contract
 * (`checkFeeds` of @zmwatch/schemas), plus how many records the detector has re-routed through each
 * input's repartition topic. Shared by the ops page (`GET /api/ops/feeds`) and `zmwatch feeds check`.
 */
import type { Admin } from 'kafkajs';
import {
  checkFeeds,
  emptyTopicReport,
  repartitionTopicFor,
  type Codec,
  type FeedCheckReport,
  type SampledRecord,
} from '@zmwatch/schemas';
import type { KafkaPeeker } from './kafka-peek.js';

export interface RerouteCount {
  topic: string;
  repartitionTopic: string;
  /** Records retained in the repartition topic (Σ log end − log start); null when it does not exist. */
  records: number | null;
}

export interface FeedHealth {
  /** When the sample was taken, epoch ms. */
  at: number;
  /** Records asked for per topic (fewer when a topic holds fewer). */
  samplePerTopic: number;
  /** Topics asked for that do not exist (not sampled). */
  missing: string[];
  report: FeedCheckReport;
  reroutes: RerouteCount[];
}

export interface FeedHealthDeps {
  admin: Admin;
  peeker: KafkaPeeker;
  codec: Codec;
}

/**
 * How many of the newest records to read from each partition so `total` are read in all, spread
 * evenly; partitions holding fewer give their share to the others.
 */
export function spreadSample(available: readonly number[], total: number): number[] {
  const take = available.map(() => 0);
  let left = Math.min(
    total,
    available.reduce((s, a) => s + a, 0),
  );
  while (left > 0) {
    const open = available.map((a, i) => i).filter((i) => take[i]! < available[i]!);
    const each = Math.max(1, Math.floor(left / open.length));
    for (const i of open) {
      const n = Math.min(each, available[i]! - take[i]!, left);
      take[i]! += n;
      left -= n;
      if (left === 0) break;
    }
  }
  return take;
}

/** The newest `max` records of a topic, spread over its partitions. */
export async function sampleTopic(
  deps: Pick<FeedHealthDeps, 'admin' | 'peeker'>,
  topic: string,
  max: number,
): Promise<{ partitions: number; records: SampledRecord[] }> {
  const offsets = await deps.admin.fetchTopicOffsets(topic);
  const lows = offsets.map((o) => BigInt(o.low));
  const highs = offsets.map((o) => BigInt(o.high));
  const take = spreadSample(
    offsets.map((_, i) => Number(highs[i]! - lows[i]!)),
    max,
  );
  const records: SampledRecord[] = [];
  for (const [i, o] of offsets.entries()) {
    const n = take[i]!;
    if (n === 0) continue;
    for (const m of await deps.peeker.read(topic, o.partition, highs[i]! - BigInt(n), n)) {
      records.push({
        topic,
        partition: o.partition,
        partitionCount: offsets.length,
        offset: m.offset,
        key: m.key,
        value: m.value,
        timestampMs: Number(m.timestamp),
      });
    }
  }
  return { partitions: offsets.length, records };
}

/** Records each input topic's repartition topic holds: what the detector has re-routed (within retention). */
export async function rerouteCounts(admin: Admin, topics: readonly string[]): Promise<RerouteCount[]> {
  const existing = new Set(await admin.listTopics());
  const out: RerouteCount[] = [];
  for (const topic of topics) {
    const repartitionTopic = repartitionTopicFor(topic);
    let records: number | null = null;
    if (existing.has(repartitionTopic)) {
      const offsets = await admin.fetchTopicOffsets(repartitionTopic);
      records = offsets.reduce((s, o) => s + (Number(o.high) - Number(o.low)), 0);
    }
    out.push({ topic, repartitionTopic, records });
  }
  return out;
}

/** Samples and checks each topic; a missing topic is listed in `missing`, not an error. */
export async function checkFeedHealth(
  deps: FeedHealthDeps,
  topics: readonly string[],
  samplePerTopic: number,
): Promise<FeedHealth> {
  const at = Date.now();
  const existing = new Set(await deps.admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  const present = topics.filter((t) => existing.has(t));
  const samples = [];
  for (const topic of present) samples.push({ topic, ...(await sampleTopic(deps, topic, samplePerTopic)) });
  const checked = await checkFeeds(
    samples.flatMap((s) => s.records),
    { codec: deps.codec },
  );
  // Keep the asked-for order, and show an empty topic as an empty (clean) report.
  const reports = samples.map(
    (s) => checked.topics.find((t) => t.topic === s.topic) ?? emptyTopicReport(s.topic, s.partitions),
  );
  return {
    at,
    samplePerTopic,
    missing,
    report: { topics: reports, problems: checked.problems, ok: checked.ok },
    reroutes: await rerouteCounts(deps.admin, present),
  };
}

/**
 * The latest feed health, recomputed at most once per `ttlMs`: the ops page refreshes every few
 * seconds and each check reads thousands of records. Concurrent callers share one computation.
 */
export function cachedFeedHealth(
  compute: () => Promise<FeedHealth>,
  ttlMs: number,
  now: () => number = Date.now,
): (refresh?: boolean) => Promise<FeedHealth> {
  let last: { at: number; value: FeedHealth } | undefined;
  let pending: Promise<FeedHealth> | undefined;
  return (refresh = false) => {
    if (!refresh && last && now() - last.at < ttlMs) return Promise.resolve(last.value);
    pending ??= compute()
      .then((value) => {
        last = { at: now(), value };
        return value;
      })
      .finally(() => (pending = undefined));
    return pending;
  };
}
