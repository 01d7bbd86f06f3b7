import { existsSync } from 'node:fs';
import { createIdempotentProducer } from '@zmwatch/kit';
import { createCodec, formatTailRecord, replayNdjson, type Topic } from '@zmwatch/schemas';
import { intOption, secondsOption, str, type CommandSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT, NotFoundError } from '../exit-codes.js';
import { tailTopic } from '../kafka-tail.js';

export const dataCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['replay'],
    summary: 'produce an NDJSON file (e.g. from `tail --json` or the simulator) to Kafka, Avro-encoded',
    usage: 'FILE [--topic-prefix PREFIX] [--batch-size N]',
    positionals: { min: 1, max: 1 },
    options: { 'topic-prefix': { type: 'string' }, 'batch-size': { type: 'string' } },
    async run({ io, kafka, positionals, values, json }) {
      const file = positionals[0]!;
      if (!existsSync(file)) throw new NotFoundError(`no such file: ${file}`);
      const prefix = str(values, 'topic-prefix') ?? '';
      const codec = await createCodec();
      const producer = createIdempotentProducer(kafka());
      await producer.connect();
      try {
        const result = await replayNdjson({
          file,
          producer,
          codec,
          batchSize: intOption(values, 'batch-size', 500, 1, 10_000),
          topicFor: (t: Topic) => `${prefix}${t}`,
          onProgress: (p) =>
            io.progress(`replay: line ${p.lineNo}, produced ${p.produced}, rejected ${p.rejected}`),
        });
        io.progressDone();
        if (json) io.out(JSON.stringify(result));
        else {
          io.out(
            `produced ${result.produced} record(s) from ${file}${result.rejected.length ? `, rejected ${result.rejected.length} line(s)` : ''}`,
          );
          for (const r of result.rejected.slice(0, 20)) io.err(`  line ${r.lineNo}: ${r.reason}`);
          if (result.rejected.length > 20) io.err(`  … and ${result.rejected.length - 20} more`);
        }
        return result.rejected.length > 0 ? EXIT.failure : EXIT.ok;
      } finally {
        await producer.disconnect();
      }
    },
  },
  {
    path: ['tail'],
    summary: 'print a topic decoded (text; --json gives NDJSON that `replay` accepts)',
    usage: 'TOPIC [--from-beginning] [--max N] [--idle-timeout SECONDS]',
    positionals: { min: 1, max: 1 },
    options: {
      'from-beginning': { type: 'boolean', default: false },
      max: { type: 'string' },
      'idle-timeout': { type: 'string' },
    },
    async run({ io, kafka, positionals, values, json, signal }) {
      const codec = await createCodec();
      const max = str(values, 'max') === undefined ? undefined : intOption(values, 'max', 1);
      const idleMs =
        str(values, 'idle-timeout') === undefined ? undefined : secondsOption(values, 'idle-timeout', 5);
      await tailTopic({
        kafka: kafka(),
        topic: positionals[0]!,
        fromBeginning: values['from-beginning'] === true,
        ...(max !== undefined ? { max } : {}),
        ...(idleMs !== undefined ? { idleMs } : {}),
        signal,
        async onMessage({ topic, partition, message }) {
          const msg = {
            topic,
            partition,
            offset: message.offset,
            timestamp: message.timestamp,
            key: message.key,
            headers: message.headers,
          };
          let line: string;
          try {
            line = formatTailRecord(
              msg,
              { decoded: await codec.decode(message.value) },
              json ? 'json' : 'text',
            );
          } catch (error) {
            line = formatTailRecord(msg, { error }, json ? 'json' : 'text');
          }
          io.out(line);
          return true;
        },
      });
      return EXIT.ok;
    },
  },
];
