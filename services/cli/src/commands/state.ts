import { errorMessage, growPartitions } from '@zmwatch/kit';
import {
  loadConfig as loadDetectorConfig,
  migrateStateLayout,
  repartitionTopicsOf,
  topicRoles,
} from '@zmwatch/detector';
import { intOption, type CommandSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

/**
 * `zmwatch state migrate --partitions N`: after partitions were added to the input topics, move the
 * detector state to the new count so every partition is used (until then the detector keeps the
 * old count and re-routes records of the new partitions, losing nothing). The detectors must be
 * stopped: their consumer group must have no members. Settings (Redis URL, key prefix, group, topics)
 * are the detector's own ZM_DETECTOR_* / ZM_REDIS_* variables.
 */
export const stateCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['state', 'migrate'],
    summary:
      "move the detector state to the input topics' new partition count (detectors stopped); grows the repartition topics",
    usage: '--partitions N [--expand-topics (grow the input topics to N first)]',
    options: { partitions: { type: 'string' }, 'expand-topics': { type: 'boolean' } },
    async run({ io, kafka, config, values, json }) {
      const to = intOption(values, 'partitions', 0, 1, 10_000);
      if (to === 0) throw new Error('--partitions N is required');
      const detector = loadDetectorConfig(config.env);
      const admin = kafka().admin();
      await admin.connect();
      try {
        const [group] = (await admin.describeGroups([detector.groupId])).groups;
        if (group && group.members.length > 0) {
          io.err(
            `the detector group ${detector.groupId} has ${group.members.length} member(s) (${group.state}): stop the detectors first, then run this again`,
          );
          return EXIT.failure;
        }
        const inputs = [detector.topics.registrations, detector.topics.declarations];
        const meta = await admin.fetchTopicMetadata({ topics: [...topicRoles(detector.topics).keys()] });
        const count = (t: string) => meta.topics.find((m) => m.name === t)?.partitions.length ?? 0;
        const short = inputs.filter((t) => count(t) < to);
        if (short.length > 0) {
          if (!values['expand-topics']) {
            io.err(
              `input topic(s) ${short.map((t) => `${t} (${count(t)})`).join(', ')} have fewer than ${to} partitions: add partitions first or pass --expand-topics`,
            );
            return EXIT.failure;
          }
          await growPartitions(admin, short, to);
          io.progressDone();
          io.err(`grew ${short.join(', ')} to ${to} partitions`);
        }
        const repartition = repartitionTopicsOf(detector.topics).filter((t) => count(t) > 0 && count(t) < to);
        await growPartitions(admin, repartition, to);
        const result = await migrateStateLayout({
          redis: detector.redis,
          prefix: detector.keys.prefix,
          to,
          onProgress: (p) =>
            io.progress(
              `state migrate ${p.from} -> ${p.to}: partition ${p.partitionsDone}/${p.from}, ${p.vinsSeen} VINs read, ${p.vinsMoved} moved`,
            ),
        });
        io.progressDone();
        if (json) io.out(JSON.stringify(result));
        else
          io.out(
            result.from === result.to
              ? `the state under prefix "${detector.keys.prefix}" is already laid out for ${to} partitions: nothing to do`
              : `migrated the state under prefix "${detector.keys.prefix}" from ${result.from} to ${result.to} partitions: ` +
                  `${result.vinsSeen} VINs in ${result.bucketsRead} buckets read, ${result.vinsMoved} moved, ${(result.ms / 1000).toFixed(1)} s. Start the detectors again.`,
          );
        return EXIT.ok;
      } catch (err) {
        io.progressDone();
        io.err(`state migrate failed: ${errorMessage(err)}`);
        return EXIT.failure;
      } finally {
        await admin.disconnect();
      }
    },
  },
];
