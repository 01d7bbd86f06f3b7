import { errorMessage } from '@zmwatch/kit';
import { createCodecFor, DAY_MS, type TopicFeedReport } from '@zmwatch/schemas';
import { checkFeedHealth, createKafkaPeeker, type FeedHealth, type RerouteCount } from '@zmwatch/ops';
import { intOption, str, type CommandSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT, NotFoundError } from '../exit-codes.js';
import { formatCount, formatDuration, formatTable } from '../table.js';

const DEFAULT_SAMPLE = 2000;

const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;
const counted = (n: number, share: number): string => (n === 0 ? '0' : `${formatCount(n)} (${pct(share)})`);
const byKey = (m: Record<string, number>): string =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${formatCount(v)}`)
    .join(', ');

function skewText(t: TopicFeedReport): string {
  const { late, ahead, aheadBeyondThreshold, thresholdMs } = t.skew;
  const one = (s: typeof late) =>
    s ? `p50 ${formatDuration(s.p50)} p99 ${formatDuration(s.p99)} max ${formatDuration(s.max)}` : '-';
  return `late ${one(late)}; ahead ${one(ahead)}; ${formatCount(aheadBeyondThreshold)} ahead > ${thresholdMs / DAY_MS} days`;
}

/** One two-column table per topic: each check and what the sample showed. */
export function formatTopic(t: TopicFeedReport, reroute: RerouteCount | undefined): string {
  const wrong = t.wrongPartition;
  const rows: Array<[string, string]> = [
    ['partitions', String(t.partitions)],
    ['sampled', formatCount(t.sampled)],
    [
      'wrong partition',
      `${counted(wrong.count, wrong.share)}${wrong.likelyPartitioner === 'crc32' ? ', fits CRC32 (librdkafka default)' : ''}`,
    ],
    ['key not VIN', counted(t.keyNotVin.count, t.keyNotVin.share)],
    ['no key', counted(t.noKey.count, t.noKey.share)],
    ['schema ids', t.schemaIds.map((s) => `${s.id} ${s.source} ×${formatCount(s.count)}`).join(', ') || '-'],
    [
      'undecodable',
      `${counted(t.undecodable.count, t.undecodable.share)}${t.undecodable.count ? `: ${byKey(t.undecodable.byClass)}` : ''}`,
    ],
    ['invalid VINs', counted(t.invalidVins.count, t.invalidVins.share)],
    [
      'out of range',
      `${counted(t.outOfRange.count, t.outOfRange.share)}${t.outOfRange.count ? `: ${byKey(t.outOfRange.byField)}` : ''}`,
    ],
    ['event-time skew', skewText(t)],
    [
      're-routed',
      reroute?.records === null || reroute === undefined
        ? `- (no ${reroute?.repartitionTopic ?? 'repartition topic'})`
        : `${formatCount(reroute.records)} records in ${reroute.repartitionTopic}`,
    ],
  ];
  return [
    t.topic,
    formatTable(
      rows.map(([check, value]) => ({ check, value })),
      [
        { header: 'check', value: (r) => r.check },
        { header: 'sample', value: (r) => r.value, max: 120 },
      ],
    ),
  ].join('\n');
}

export function formatFeedHealth(h: FeedHealth): string {
  const out = [
    `feeds check: newest ${formatCount(h.samplePerTopic)} records per topic, ${new Date(h.at).toISOString()}`,
  ];
  for (const t of h.report.topics)
    out.push(
      '',
      formatTopic(
        t,
        h.reroutes.find((r) => r.topic === t.topic),
      ),
    );
  out.push('');
  if (h.report.problems.length === 0) out.push('no problems: the sampled records keep the feed contract');
  else out.push(`problems (${h.report.problems.length}):`, ...h.report.problems.map((p) => `  - ${p}`));
  return out.join('\n');
}

export const feedsCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['feeds', 'check'],
    summary:
      'sample the input topics and check them against the feed contract; exit 3 when a feed has problems',
    usage: `[--sample N (default ${DEFAULT_SAMPLE} per topic)] [--topics A,B (default ZM_FEED_TOPICS)]`,
    options: { sample: { type: 'string' }, topics: { type: 'string' } },
    async run({ io, kafka, config, values, json }) {
      const sample = intOption(values, 'sample', DEFAULT_SAMPLE, 1, 100_000);
      const topics =
        str(values, 'topics')
          ?.split(',')
          .map((t) => t.trim())
          .filter(Boolean) ?? config.feedTopics;
      const client = kafka();
      const admin = client.admin();
      // The shared client retries for a while before giving up; say what it is waiting for.
      io.progress(`feeds check: connecting to Kafka at ${config.brokers.join(',')}`);
      try {
        await admin.connect();
      } catch (err) {
        throw new Error(`cannot reach Kafka at ${config.brokers.join(',')}: ${errorMessage(err)}`);
      }
      try {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t));
        if (missing.length > 0)
          throw new NotFoundError(
            `topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist (choose others with --topics or ZM_FEED_TOPICS)`,
          );
        const peeker = await createKafkaPeeker(client);
        try {
          io.progress(`feeds check: sampling ${topics.join(', ')}`);
          const health = await checkFeedHealth(
            { admin, peeker, codec: await createCodecFor(config.schemaRegistryUrl) },
            topics,
            sample,
          );
          io.progressDone();
          io.out(json ? JSON.stringify(health) : formatFeedHealth(health));
          return health.report.ok ? EXIT.ok : EXIT.notFoundOrUnhealthy;
        } finally {
          await peeker.close();
        }
      } finally {
        await admin.disconnect();
      }
    },
  },
];
