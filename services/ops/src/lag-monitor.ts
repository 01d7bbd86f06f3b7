import type { Admin } from 'kafkajs';
import { partitionEnds, topicLag, type Logger, type PartitionEnd } from '@zmwatch/kit';
import type { KafkaPeeker } from './kafka-peek.js';
import {
  evaluatePartition,
  pushBounded,
  worstStatus,
  type LagSample,
  type LagStatus,
  type RuleOptions,
} from './lag-rules.js';

/** One line of a lag chart: a label and its points (`t` in ms since the epoch). */
export interface ChartSeries {
  label: string;
  points: ReadonlyArray<{ t: number; v: number }>;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  committed: number;
  high: number;
  lag: number;
  timeLagMs: number | null;
  status: LagStatus;
  reason: string;
}

export interface GroupLag {
  groupId: string;
  /** Kafka group state: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead. */
  state: string;
  members: number;
  status: LagStatus;
  totalLag: number;
  /** Oldest unconsumed record over all partitions, ms. */
  maxTimeLagMs: number | null;
  topics: string[];
  partitions: PartitionLag[];
}

export interface TopicThroughput {
  topic: string;
  partitions: number;
  /** Records currently retained (Σ high − low). */
  retained: number;
  highWatermark: number;
  /** Records appended per second between the last two samples; null after the first sample. */
  perSecond: number | null;
}

export interface LagSnapshot {
  at: number;
  groups: GroupLag[];
  topics: TopicThroughput[];
}

export interface LagMonitorOptions {
  admin: Admin;
  peeker: KafkaPeeker;
  logger: Logger;
  intervalMs: number;
  /** Samples per partition the rules look at (Burrow's window). */
  windowSize: number;
  /** Samples kept per group for the chart. */
  historySize: number;
  /** Groups to watch (default: all). */
  groupFilter?: (groupId: string) => boolean;
  /** Topics whose throughput is shown besides those the watched groups consume. */
  extraTopics?: (topic: string) => boolean;
  rules?: RuleOptions;
  /** Called after each sample (metrics). */
  onSample?: (snapshot: LagSnapshot) => void;
  now?: () => number;
}

export interface LagMonitor {
  start(): void;
  stop(): Promise<void>;
  /** Takes one sample now (the timer calls this; tests call it directly). */
  sample(): Promise<LagSnapshot>;
  latest(): LagSnapshot | undefined;
  /** Lag over time of a group, one series per topic: offsets (`lag`) or seconds (`time`). */
  history(groupId: string, metric: 'lag' | 'time'): ChartSeries[];
}

interface GroupHistoryPoint {
  t: number;
  lagByTopic: Record<string, number>;
  timeLagByTopic: Record<string, number>;
}

/** Samples every watched group's committed offsets against the log end, keeping Burrow-style windows. */
export function createLagMonitor(opts: LagMonitorOptions): LagMonitor {
  const now = opts.now ?? Date.now;
  const windows = new Map<string, LagSample[]>(); // `${group}\0${topic}\0${partition}`
  const histories = new Map<string, GroupHistoryPoint[]>();
  const lastHigh = new Map<string, { t: number; high: number }>();
  let latest: LagSnapshot | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> | undefined;

  async function topicOffsets(topic: string, cache: Map<string, Promise<PartitionEnd[]>>) {
    let p = cache.get(topic);
    if (!p) {
      p = partitionEnds(opts.admin, topic);
      cache.set(topic, p);
    }
    return p;
  }

  async function sample(): Promise<LagSnapshot> {
    const t = now();
    const cache = new Map<string, Promise<PartitionEnd[]>>();
    const { groups: listed } = await opts.admin.listGroups();
    const ids = listed
      .map((g) => g.groupId)
      .filter((id) => opts.groupFilter?.(id) ?? true)
      .sort();
    const described = ids.length > 0 ? (await opts.admin.describeGroups(ids)).groups : [];
    const groups: GroupLag[] = [];
    const consumedTopics = new Set<string>();

    for (const g of described) {
      let committed: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
      try {
        committed = await opts.admin.fetchOffsets({ groupId: g.groupId });
      } catch (err) {
        opts.logger.warn({ groupId: g.groupId, err }, 'could not fetch committed offsets');
        continue;
      }
      const hasMembers = g.members.length > 0;
      const partitions: PartitionLag[] = [];
      for (const tp of committed) {
        // Partitions a group never committed have no lag here (e.g. live feeds reading from the end).
        if (!tp.partitions.some((p) => Number(p.offset) >= 0)) continue;
        let ends: PartitionEnd[];
        try {
          ends = await topicOffsets(tp.topic, cache);
        } catch (err) {
          opts.logger.warn({ groupId: g.groupId, topic: tp.topic, err }, 'could not fetch topic offsets');
          continue;
        }
        consumedTopics.add(tp.topic);
        const lowOf = new Map(ends.map((e) => [e.partition, e.low]));
        for (const { partition, committed: offset, high, lag } of topicLag(tp.topic, tp.partitions, ends, {
          committedOnly: true,
        })) {
          let timeLagMs: number | null = 0;
          if (lag > 0) {
            try {
              const ts = await opts.peeker.timestampAt(
                tp.topic,
                partition,
                BigInt(Math.max(offset, lowOf.get(partition)!)),
              );
              timeLagMs = ts === undefined ? null : Math.max(0, t - ts);
            } catch (err) {
              opts.logger.debug(
                { topic: tp.topic, partition: partition, offset, err },
                'time lag unavailable',
              );
              timeLagMs = null;
            }
          }
          const key = `${g.groupId}\0${tp.topic}\0${partition}`;
          const window = windows.get(key) ?? [];
          pushBounded(window, { t, committed: offset, high, lag, timeLagMs }, opts.windowSize);
          windows.set(key, window);
          const ev = evaluatePartition(window, hasMembers, opts.rules);
          partitions.push({
            topic: tp.topic,
            partition,
            committed: offset,
            high,
            lag,
            timeLagMs,
            ...ev,
          });
        }
      }
      if (partitions.length === 0) continue; // groups that never committed (e.g. live feeds) have no lag
      partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      const timeLags = partitions.map((p) => p.timeLagMs).filter((v): v is number => v !== null);
      const group: GroupLag = {
        groupId: g.groupId,
        state: g.state,
        members: g.members.length,
        status: worstStatus(partitions.map((p) => p.status)),
        totalLag: partitions.reduce((s, p) => s + p.lag, 0),
        maxTimeLagMs: timeLags.length > 0 ? Math.max(...timeLags) : null,
        topics: [...new Set(partitions.map((p) => p.topic))],
        partitions,
      };
      groups.push(group);
      const point: GroupHistoryPoint = { t, lagByTopic: {}, timeLagByTopic: {} };
      for (const p of partitions) {
        point.lagByTopic[p.topic] = (point.lagByTopic[p.topic] ?? 0) + p.lag;
        point.timeLagByTopic[p.topic] = Math.max(point.timeLagByTopic[p.topic] ?? 0, p.timeLagMs ?? 0);
      }
      const hist = histories.get(g.groupId) ?? [];
      pushBounded(hist, point, opts.historySize);
      histories.set(g.groupId, hist);
    }

    const topicNames = new Set(consumedTopics);
    if (opts.extraTopics) {
      for (const name of await opts.admin.listTopics()) {
        if (!name.startsWith('__') && opts.extraTopics(name)) topicNames.add(name);
      }
    }
    const topics: TopicThroughput[] = [];
    for (const name of [...topicNames].sort()) {
      let ends: Array<{ partition: number; high: number; low: number }>;
      try {
        ends = await topicOffsets(name, cache);
      } catch {
        continue;
      }
      const high = ends.reduce((s, e) => s + e.high, 0);
      const prev = lastHigh.get(name);
      const perSecond = prev && t > prev.t ? Math.max(0, ((high - prev.high) * 1000) / (t - prev.t)) : null;
      lastHigh.set(name, { t, high });
      topics.push({
        topic: name,
        partitions: ends.length,
        retained: ends.reduce((s, e) => s + (e.high - e.low), 0),
        highWatermark: high,
        perSecond,
      });
    }
    latest = { at: t, groups, topics };
    opts.onSample?.(latest);
    return latest;
  }

  const tick = () => {
    inFlight = sample()
      .catch((err: unknown) => opts.logger.warn({ err }, 'lag sample failed'))
      .finally(() => {
        inFlight = undefined;
        if (timer) timer = setTimeout(tick, opts.intervalMs);
      });
  };

  return {
    start() {
      if (timer) return;
      timer = setTimeout(tick, 0);
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
    sample,
    latest: () => latest,
    history(groupId, metric) {
      const hist = histories.get(groupId) ?? [];
      const topics = [...new Set(hist.flatMap((h) => Object.keys(h.lagByTopic)))].sort();
      return topics.map((topic) => ({
        label: topic,
        points: hist
          .filter((h) => topic in h.lagByTopic)
          .map((h) => ({
            t: h.t,
            v: metric === 'lag' ? h.lagByTopic[topic]! : (h.timeLagByTopic[topic] ?? 0) / 1000,
          })),
      }));
    },
  };
}
