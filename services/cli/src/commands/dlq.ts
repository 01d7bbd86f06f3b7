import { createIdempotentProducer } from '@zmwatch/kit';
import { createCodec } from '@zmwatch/schemas';
import {
  createKafkaPeeker,
  listDeadLetterTopics,
  newestDeadLetters,
  replayDeadLetters,
  type ReplayRef,
} from '@zmwatch/ops';
import { intOption, type CommandSpec, type OptionValues } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT, NotFoundError, UsageError } from '../exit-codes.js';
import { formatCount, formatTable } from '../table.js';

/** `--offset 0:17` (partition:offset), repeatable. */
export function parseOffsets(values: OptionValues): ReplayRef[] {
  const raw = values.offset;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
  return list.flatMap((item) =>
    item.split(',').map((one) => {
      const m = /^(\d+):(\d+)$/.exec(one.trim());
      if (!m) throw new UsageError(`--offset must be PARTITION:OFFSET, got "${one}"`);
      return { partition: Number(m[1]), offset: m[2]! };
    }),
  );
}

function dlqTopicArg(raw: string): string {
  return raw.endsWith('.dlq') ? raw : `${raw}.dlq`;
}

export const dlqCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['dlq', 'list'],
    summary: 'dead-letter topics and counts; with a topic, its newest dead letters decoded with their error',
    usage: '[TOPIC] [--limit N]',
    positionals: { min: 0, max: 1 },
    options: { limit: { type: 'string' } },
    async run({ io, kafka, positionals, values, json }) {
      const admin = kafka().admin();
      await admin.connect();
      try {
        if (positionals.length === 0) {
          const topics = await listDeadLetterTopics(admin);
          io.out(
            json
              ? JSON.stringify({ topics })
              : formatTable(
                  topics,
                  [
                    { header: 'dead-letter topic', value: (t) => t.topic, max: 60 },
                    { header: 'letters', value: (t) => formatCount(t.count), align: 'right' },
                    { header: 'partitions', value: (t) => t.partitions, align: 'right' },
                  ],
                  '(no dead-letter topics)',
                ),
          );
          return EXIT.ok;
        }
        const topic = dlqTopicArg(positionals[0]!);
        if (!(await admin.listTopics()).includes(topic))
          throw new NotFoundError(`topic ${topic} does not exist`);
        const peeker = await createKafkaPeeker(kafka());
        try {
          const letters = await newestDeadLetters(
            admin,
            peeker,
            await createCodec(),
            topic,
            intOption(values, 'limit', 20, 1, 500),
          );
          io.out(
            json
              ? JSON.stringify({ topic, letters })
              : formatTable(
                  letters,
                  [
                    { header: 'p:offset', value: (l) => `${l.partition}:${l.offset}` },
                    { header: 'failed at', value: (l) => l.failedAt ?? l.timestamp },
                    { header: 'key', value: (l) => l.key },
                    { header: 'error class', value: (l) => l.errorClass },
                    { header: 'error', value: (l) => l.errorMessage, max: 60 },
                    {
                      header: 'source',
                      value: (l) =>
                        l.source ? `${l.source.topic}[${l.source.partition}]@${l.source.offset}` : null,
                      max: 50,
                    },
                    { header: 'service', value: (l) => l.service },
                  ],
                  '(no dead letters)',
                ),
          );
          return EXIT.ok;
        } finally {
          await peeker.close();
        }
      } finally {
        await admin.disconnect();
      }
    },
  },
  {
    path: ['dlq', 'replay'],
    summary: 'produce chosen dead letters back to their source topic (after the fix is deployed)',
    usage: 'TOPIC (--offset PARTITION:OFFSET ... | --all [--limit N])',
    positionals: { min: 1, max: 1 },
    options: {
      offset: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      limit: { type: 'string' },
    },
    async run({ io, kafka, positionals, values, json }) {
      const topic = dlqTopicArg(positionals[0]!);
      let refs = parseOffsets(values);
      if (values.all === true && refs.length > 0) throw new UsageError('give either --offset or --all');
      if (values.all !== true && refs.length === 0)
        throw new UsageError('choose the letters: --offset PARTITION:OFFSET (repeatable) or --all');
      const client = kafka();
      const admin = client.admin();
      await admin.connect();
      const peeker = await createKafkaPeeker(client);
      const producer = createIdempotentProducer(client);
      await producer.connect();
      try {
        if (!(await admin.listTopics()).includes(topic))
          throw new NotFoundError(`topic ${topic} does not exist`);
        if (values.all === true) {
          const letters = await newestDeadLetters(
            admin,
            peeker,
            await createCodec(),
            topic,
            intOption(values, 'limit', 500, 1, 10_000),
          );
          refs = letters.reverse().map((l) => ({ partition: l.partition, offset: l.offset }));
        }
        const results = [];
        for (const [i, ref] of refs.entries()) {
          io.progress(`dlq replay: ${i + 1}/${refs.length}`);
          results.push(...(await replayDeadLetters(peeker, producer, topic, [ref])));
        }
        io.progressDone();
        const failed = results.filter((r) => !r.ok);
        if (json) io.out(JSON.stringify({ topic, replayed: results.length - failed.length, results }));
        else {
          io.out(
            `replayed ${results.length - failed.length} of ${results.length} dead letter(s) from ${topic}`,
          );
          for (const f of failed) io.err(`  ${f.partition}:${f.offset}: ${f.error}`);
        }
        return failed.length > 0 ? EXIT.failure : EXIT.ok;
      } finally {
        await producer.disconnect();
        await peeker.close();
        await admin.disconnect();
      }
    },
  },
];
