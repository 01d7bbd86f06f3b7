import { existsSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import { loadTopicSpecs, ensureTopics, type TopicSpec } from '@zmwatch/kit';
import { createIdempotentProducer } from '@zmwatch/kit';
import {
  ALL_TOPICS,
  createCodec,
  formatTailRecord,
  replayNdjson,
  ReplayProduceError,
  type ReplayProgress,
  type Topic,
} from '@zmwatch/schemas';
import { intOption, secondsOption, str, type CommandSpec, type OptionValues } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT, NotFoundError, UsageError } from '../exit-codes.js';
import { tailTopic } from '../kafka-tail.js';

/** Partitions of a topic `--create-topics` makes when nothing else says how many. */
export const DEFAULT_REPLAY_PARTITIONS = 6;
/** Retention of such a topic (infra/topics.yaml's input topics keep a week). */
const DEFAULT_RETENTION_HOURS = 168;
/** Least interval between two progress lines. */
const PROGRESS_EVERY_MS = 1_000;

/**
 * How `--create-topics` makes a missing topic: as infra/topics.yaml declares it; else with
 * `--partitions`; else like the contract topic it carries under a prefix (so a prefixed copy of the
 * two inputs stays co-partitioned); else DEFAULT_REPLAY_PARTITIONS.
 */
export function topicCreationPlan(
  name: string,
  contractTopic: Topic | undefined,
  specs: readonly TopicSpec[],
  partitionsFlag: number | undefined,
): { spec: TopicSpec; why: string; note?: string } {
  const declared = specs.find((s) => s.name === name);
  if (declared) {
    const note =
      partitionsFlag !== undefined && partitionsFlag !== declared.partitions
        ? `--partitions ${partitionsFlag} ignored for ${name}: infra/topics.yaml declares ${declared.partitions}`
        : undefined;
    return { spec: declared, why: 'as infra/topics.yaml declares it', ...(note ? { note } : {}) };
  }
  const contract = contractTopic ? specs.find((s) => s.name === contractTopic) : undefined;
  const base = {
    name,
    retentionHours: contract?.retentionHours ?? DEFAULT_RETENTION_HOURS,
    replicationFactor: contract?.replicationFactor ?? 1,
  };
  if (partitionsFlag !== undefined)
    return { spec: { ...base, partitions: partitionsFlag }, why: 'from --partitions' };
  if (contract)
    return {
      spec: { ...base, partitions: contract.partitions },
      why: `like ${contract.name} in infra/topics.yaml`,
    };
  return { spec: { ...base, partitions: DEFAULT_REPLAY_PARTITIONS }, why: 'the default' };
}

/** The `ensureTopic` hook of a replay: a missing topic is named, or created with --create-topics. */
function topicGuard(
  admin: Admin,
  o: { prefix: string; create: boolean; partitions: number | undefined; say: (line: string) => void },
): (topic: string) => Promise<void> {
  const contractOf = new Map(ALL_TOPICS.map((t) => [`${o.prefix}${t}`, t]));
  let specs: TopicSpec[] | undefined;
  return async (topic) => {
    if ((await admin.listTopics()).includes(topic)) return;
    specs ??= loadTopicSpecs();
    const declared = specs.some((s) => s.name === topic);
    if (!o.create) {
      throw new NotFoundError(
        declared
          ? `topic ${topic} does not exist; create it with --create-topics or infra/bin/stack up`
          : `topic ${topic} does not exist; create it with --create-topics (infra/bin/stack up creates only the topics of infra/topics.yaml)`,
      );
    }
    const plan = topicCreationPlan(topic, contractOf.get(topic), specs, o.partitions);
    if (plan.note) o.say(plan.note);
    await ensureTopics(admin, [plan.spec]);
    o.say(`created topic ${topic} with ${plan.spec.partitions} partition(s) (${plan.why})`);
  };
}

function progressLine(p: ReplayProgress, startedAt: number): string {
  const s = (Date.now() - startedAt) / 1000;
  const rate = s > 0 ? Math.round(p.produced / s) : 0;
  return (
    `replay: line ${p.lineNo}, produced ${p.produced} (raw ${p.raw}, invalid VIN ${p.invalidVin}), ` +
    `rejected ${p.rejected}, ${rate} records/s`
  );
}

function partitionsOption(values: OptionValues): number | undefined {
  return str(values, 'partitions') === undefined ? undefined : intOption(values, 'partitions', 1, 1, 10_000);
}

export const dataCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['replay'],
    summary:
      'produce an NDJSON file (from `tail --json` or `simulate`, noise included) to Kafka, Avro-encoded',
    usage:
      'FILE [--topic-prefix PREFIX] [--batch-size N] [--allow-invalid] [--create-topics [--partitions N]]',
    positionals: { min: 1, max: 1 },
    options: {
      'topic-prefix': { type: 'string' },
      'batch-size': { type: 'string' },
      'allow-invalid': { type: 'boolean', default: false },
      'create-topics': { type: 'boolean', default: false },
      partitions: { type: 'string' },
    },
    async run({ io, kafka, positionals, values, json }) {
      const file = positionals[0]!;
      if (!existsSync(file)) throw new NotFoundError(`no such file: ${file}`);
      const prefix = str(values, 'topic-prefix') ?? '';
      const batchSize = intOption(values, 'batch-size', 500, 1, 10_000);
      const partitions = partitionsOption(values);
      if (partitions !== undefined && values['create-topics'] !== true)
        throw new UsageError('--partitions applies only with --create-topics');
      const codec = await createCodec();
      const admin = kafka().admin();
      const producer = createIdempotentProducer(kafka());
      await admin.connect();
      try {
        await producer.connect();
        const startedAt = Date.now();
        let lastProgress = 0;
        const result = await replayNdjson({
          file,
          producer,
          codec,
          batchSize,
          allowInvalidVin: values['allow-invalid'] === true,
          topicFor: (t: Topic) => `${prefix}${t}`,
          ensureTopic: topicGuard(admin, {
            prefix,
            create: values['create-topics'] === true,
            partitions,
            say: (line) => io.err(line),
          }),
          onProgress: (p) => {
            if (Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
            lastProgress = Date.now();
            io.progress(progressLine(p, startedAt));
          },
        }).catch((err: unknown) => {
          // A topic deleted (or never there) behind the check: still name it.
          if (err instanceof ReplayProduceError && err.missingTopic)
            throw new NotFoundError(`${err.message}; create it with --create-topics`);
          throw err;
        });
        io.progressDone();
        if (json) io.out(JSON.stringify(result));
        else {
          const of = [
            result.raw > 0 ? `${result.raw} raw-bytes` : '',
            result.invalidVin > 0 ? `${result.invalidVin} with an invalid VIN` : '',
          ].filter(Boolean);
          io.out(
            `produced ${result.produced} record(s) from ${file}` +
              (of.length ? ` (of which ${of.join(', ')}: they go to the dead-letter topics)` : '') +
              (result.rejected.length ? `, rejected ${result.rejected.length} line(s)` : '') +
              `; ${result.lines} line(s) read`,
          );
          for (const r of result.rejected.slice(0, 20)) io.err(`  line ${r.lineNo}: ${r.reason}`);
          if (result.rejected.length > 20) io.err(`  … and ${result.rejected.length - 20} more`);
          if (!values['allow-invalid'] && result.rejected.some((r) => r.reason.startsWith('value.vin:')))
            io.err(
              '  (--allow-invalid produces records with invalid VINs as they are, for the dead-letter path)',
            );
        }
        return result.rejected.length > 0 ? EXIT.failure : EXIT.ok;
      } finally {
        await producer.disconnect();
        await admin.disconnect();
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
