/**
 * The simulator as a runnable app: generate the scenario and either produce it to Kafka (paced, with a
 * progress line) or write NDJSON files. `stop()` aborts between produce requests, so what was
 * acknowledged stays produced and the summary says how far it got.
 */
import type { Admin, Producer } from 'kafkajs';
import { createIdempotentProducer, createKafka, createLogger, type Logger } from '@zmwatch/kit';
import { createCodec } from '@zmwatch/schemas';
import type { SimulatorConfig } from './config.js';
import type { EventCounts } from './counts.js';
import { createGroundTruthWriter, type GroundTruthWriter } from './ground-truth-file.js';
import { produceToKafka } from './kafka-output.js';
import type { Label } from './labels.js';
import { writeNdjson } from './ndjson-output.js';
import { createProgressBar } from './progress.js';
import { generateScenario, type Scenario } from './scenario.js';
import type { SimEvent } from './types.js';

export interface RunSummary {
  readonly output: string;
  readonly seed: string;
  readonly counts: EventCounts;
  readonly vehiclesByLabel: Partial<Record<Label, number>>;
  readonly elapsedMs: number;
  readonly aborted: boolean;
  /** Arrival offset of the last produced event (to score a run stopped early); null for NDJSON. */
  readonly lastArrivalOffsetMs: number | null;
  readonly groundTruthFile: string | undefined;
}

export interface SimulatorApp {
  start(): Promise<RunSummary>;
  stop(): Promise<void>;
}

export function createApp(
  config: SimulatorConfig,
  deps: { logger?: Logger; progressStream?: NodeJS.WriteStream } = {},
): SimulatorApp {
  const logger = deps.logger ?? createLogger('simulator', config.logLevel);
  const progressStream = deps.progressStream ?? process.stderr;
  const abort = new AbortController();
  let running: Promise<RunSummary> | undefined;
  let producer: Producer | undefined;

  async function run(): Promise<RunSummary> {
    const scenario = generateScenario(config.scenario);
    const started = performance.now();
    const byLabel: Partial<Record<Label, number>> = {};
    const seed = scenario.options.seed;
    logger.info(
      { seed, vehicles: scenario.options.vehicles, output: config.output.kind },
      'simulation starting',
    );

    if (config.output.kind === 'ndjson') {
      for (const v of scenario.vehicles()) byLabel[v.label] = (byLabel[v.label] ?? 0) + 1;
      const bar = config.progress ? createProgressBar(progressStream, undefined) : undefined;
      const res = await writeNdjson(scenario, config.output.dir, {
        signal: abort.signal,
        onProgress: (c) => bar?.update({ ...c, elapsedMs: performance.now() - started }),
      });
      bar?.done({ ...res.counts, elapsedMs: performance.now() - started });
      return {
        output: res.eventsPath,
        seed,
        counts: res.counts,
        vehiclesByLabel: byLabel,
        elapsedMs: performance.now() - started,
        aborted: res.aborted,
        lastArrivalOffsetMs: null,
        groundTruthFile: res.groundTruthPath,
      };
    }

    const out = config.output;
    const kafka = createKafka({ clientId: 'zmwatch-simulator', brokers: out.brokers, logger });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await checkTopics(
        admin,
        [out.topics.registrations, out.topics.declarations],
        out.createTopics,
        out.partitions,
      );
    } finally {
      await admin.disconnect();
    }
    const codec = await createCodec();
    producer = createIdempotentProducer(kafka);
    await producer.connect();
    const total = config.progress ? countEvents(scenario) : undefined;
    const bar = config.progress ? createProgressBar(progressStream, total) : undefined;
    const truth = out.truthFile ? await createGroundTruthWriter(out.truthFile, scenario.options) : undefined;
    let lastOffset = 0;
    const truthErrors: unknown[] = [];
    const events = tapTruth(scenario, truth, byLabel, truthErrors, (e) => (lastOffset = e.arrivalOffsetMs));
    try {
      const res = await produceToKafka({
        events,
        producer,
        codec,
        rate: out.rate,
        ...(out.dayMs !== undefined ? { dayMs: out.dayMs } : {}),
        topics: out.topics,
        signal: abort.signal,
        onProgress: (p) => bar?.update(p),
      });
      bar?.done(res);
      await truth?.close(res, !res.aborted);
      if (truthErrors.length > 0)
        throw new Error(`writing ${out.truthFile} failed`, { cause: truthErrors[0] });
      return {
        output: `kafka ${out.topics.registrations} + ${out.topics.declarations}`,
        seed,
        counts: res,
        vehiclesByLabel: byLabel,
        elapsedMs: res.elapsedMs,
        aborted: res.aborted,
        lastArrivalOffsetMs: lastOffset,
        groundTruthFile: out.truthFile,
      };
    } finally {
      await producer.disconnect();
      producer = undefined;
    }
  }

  return {
    start() {
      running ??= run();
      return running;
    },
    async stop() {
      abort.abort();
      await running?.catch(() => undefined);
      await producer?.disconnect();
    },
  };
}

/** Counting first costs one extra generation pass; only done for the progress bar's total. */
function countEvents(scenario: Scenario): number {
  let n = 0;
  for (const _ of scenario.events()) n++;
  return n;
}

/**
 * Events of one pass, writing ground truth lines and counting labels on the way. Truth writes are not
 * awaited here (the generator is synchronous); the file stream buffers them, errors surface at the end.
 */
function* tapTruth(
  scenario: Scenario,
  truth: GroundTruthWriter | undefined,
  byLabel: Partial<Record<Label, number>>,
  errors: unknown[],
  onEvent: (e: SimEvent) => void,
): Generator<SimEvent> {
  const onError = (err: unknown) => void errors.push(err);
  for (const item of scenario.items()) {
    if (item.kind === 'vehicle') {
      byLabel[item.truth.label] = (byLabel[item.truth.label] ?? 0) + 1;
      truth?.vehicle(item.truth).catch(onError);
    } else if (item.kind === 'noise') {
      truth?.noise(item.noise).catch(onError);
    } else {
      onEvent(item.event);
      yield item.event;
    }
  }
}

async function checkTopics(
  admin: Admin,
  topics: string[],
  create: boolean,
  partitions: number,
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  if (!create) {
    throw new Error(
      `Kafka topic(s) missing: ${missing.join(', ')} (auto-creation is off). Run \`infra/bin/stack up\`, or pass --create-topics.`,
    );
  }
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({ topic, numPartitions: partitions })),
  });
}
