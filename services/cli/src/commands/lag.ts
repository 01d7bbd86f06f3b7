import { sleep } from '@zmwatch/kit';
import { createKafkaPeeker, createLagMonitor, type LagSnapshot } from '@zmwatch/ops';
import { intOption, secondsOption, str, type CommandSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { formatCount, formatDuration, formatTable } from '../table.js';

export function formatLag(snapshot: LagSnapshot, partitions: boolean): string {
  const groups = formatTable(
    snapshot.groups,
    [
      { header: 'group', value: (g) => g.groupId, max: 40 },
      { header: 'status', value: (g) => g.status },
      { header: 'state', value: (g) => g.state },
      { header: 'members', value: (g) => g.members, align: 'right' },
      { header: 'lag', value: (g) => formatCount(g.totalLag), align: 'right' },
      { header: 'oldest', value: (g) => formatDuration(g.maxTimeLagMs), align: 'right' },
      { header: 'topics', value: (g) => g.topics.join(','), max: 60 },
    ],
    '(no consumer group has committed offsets)',
  );
  const out = [groups];
  if (partitions) {
    const rows = snapshot.groups.flatMap((g) => g.partitions.map((p) => ({ g: g.groupId, ...p })));
    out.push(
      '',
      formatTable(rows, [
        { header: 'group', value: (r) => r.g, max: 40 },
        { header: 'topic', value: (r) => r.topic, max: 40 },
        { header: 'p', value: (r) => r.partition, align: 'right' },
        { header: 'committed', value: (r) => formatCount(r.committed), align: 'right' },
        { header: 'end', value: (r) => formatCount(r.high), align: 'right' },
        { header: 'lag', value: (r) => formatCount(r.lag), align: 'right' },
        { header: 'time lag', value: (r) => formatDuration(r.timeLagMs), align: 'right' },
        { header: 'status', value: (r) => r.status },
        { header: 'why', value: (r) => r.reason, max: 60 },
      ]),
    );
  }
  if (snapshot.topics.length) {
    out.push(
      '',
      formatTable(snapshot.topics, [
        { header: 'topic', value: (t) => t.topic, max: 50 },
        { header: 'partitions', value: (t) => t.partitions, align: 'right' },
        {
          header: 'records/s',
          value: (t) => (t.perSecond === null ? null : t.perSecond.toFixed(1)),
          align: 'right',
        },
        { header: 'retained', value: (t) => formatCount(t.retained), align: 'right' },
      ]),
    );
  }
  return out.join('\n');
}

/** Unhealthy when a group is stuck (STALLED) or has nobody consuming its lag (STOPPED). */
export const unhealthy = (s: LagSnapshot): boolean =>
  s.groups.some((g) => g.status === 'STALLED' || g.status === 'STOPPED');

export const lagCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['lag'],
    summary: 'consumer lag per group (Burrow-style status); exit 3 when a group is STALLED or STOPPED',
    usage: '[--group REGEX] [--partitions] [--samples N] [--interval SECONDS] [--watch]',
    options: {
      group: { type: 'string' },
      partitions: { type: 'boolean', default: false },
      samples: { type: 'string' },
      interval: { type: 'string' },
      watch: { type: 'boolean', default: false },
    },
    async run({ io, kafka, logger, values, json, signal }) {
      let filter: RegExp | undefined;
      const raw = str(values, 'group');
      if (raw !== undefined) {
        try {
          filter = new RegExp(raw);
        } catch {
          throw new UsageError(`--group is not a valid regular expression: ${raw}`);
        }
      }
      const samples = intOption(values, 'samples', 3, 1, 100);
      const intervalMs = secondsOption(values, 'interval', values.watch ? 5 : 1);
      const admin = kafka().admin();
      await admin.connect();
      const peeker = await createKafkaPeeker(kafka());
      const monitor = createLagMonitor({
        admin,
        peeker,
        logger,
        intervalMs,
        windowSize: 10,
        historySize: 1,
        groupFilter: (g) =>
          filter ? filter.test(g) : !g.startsWith('zmwatch-tail-') && !g.startsWith('zm-console-feed'),
      });
      try {
        let snapshot: LagSnapshot | undefined;
        if (values.watch) {
          while (!signal.aborted) {
            snapshot = await monitor.sample();
            if (json) io.out(JSON.stringify(snapshot));
            else {
              if (io.isTty) io.out('\x1b[2J\x1b[H');
              io.out(
                `${new Date(snapshot.at).toISOString()}  (every ${intervalMs / 1000}s, Ctrl-C to stop)\n`,
              );
              io.out(formatLag(snapshot, values.partitions === true));
            }
            await sleep(intervalMs, signal);
          }
          return EXIT.ok;
        }
        // Burrow-style rules judge a window, so take a few samples before answering.
        for (let i = 0; i < samples && !signal.aborted; i++) {
          if (i > 0) await sleep(intervalMs, signal);
          io.progress(`lag: sample ${i + 1}/${samples}`);
          snapshot = await monitor.sample();
        }
        io.progressDone();
        if (!snapshot) return EXIT.failure;
        io.out(json ? JSON.stringify(snapshot) : formatLag(snapshot, values.partitions === true));
        return unhealthy(snapshot) ? EXIT.notFoundOrUnhealthy : EXIT.ok;
      } finally {
        await peeker.close();
        await admin.disconnect();
      }
    },
  },
];
