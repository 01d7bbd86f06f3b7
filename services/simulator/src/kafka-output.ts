/**
 * Produces a scenario to Kafka in arrival order, paced. Two clocks can pace it: `rate` (events per
 * second of wall time) and `dayMs` (wall milliseconds per simulated day: event arrival times are
 * compressed onto wall time). When both are set the slower one wins. Event times inside the records
 * are never changed: the detector works on event time, so pacing only changes how fast the story is told.
 */
import type { Message, Producer } from 'kafkajs';
import { DAY_MS, TOPICS, type Codec } from '@zmwatch/schemas';
import { countEvent, createCounts, type EventCounts } from './counts.js';
import type { SimEvent, SimTopic } from './types.js';

export interface ProduceProgress extends EventCounts {
  readonly elapsedMs: number;
  /** Events per second over the run so far. */
  readonly rate: number;
}

export interface ProduceOptions {
  readonly events: Iterable<SimEvent>;
  readonly producer: Pick<Producer, 'sendBatch'>;
  readonly codec: Codec;
  /** Events per second; 0 or undefined = as fast as Kafka takes them. */
  readonly rate?: number;
  /** Wall milliseconds per simulated day of arrival time; undefined = no time compression pacing. */
  readonly dayMs?: number;
  /** Kafka topic names for the two feeds (tests use unique ones). */
  readonly topics?: { readonly registrations?: string; readonly declarations?: string };
  /** Most records per produce request. */
  readonly maxBatch?: number;
  /** Events due within this many ms of the first due one share its request (default `SEND_TICK_MS`). */
  readonly tickMs?: number;
  readonly onProgress?: (p: ProduceProgress) => void;
  /** Aborting stops after the batch in flight is acknowledged. */
  readonly signal?: AbortSignal;
  /** Injectable clock and sleep (tests). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ProduceResult extends ProduceProgress {
  readonly aborted: boolean;
}

/** Encodes one simulator record: Avro with Confluent framing, or the raw bytes of a malformed one. */
export function encodeEvent(codec: Codec, e: SimEvent): Buffer {
  if (e.value === null) return e.bytes;
  return e.topic === TOPICS.registrations ? codec.encode(e.topic, e.value) : codec.encode(e.topic, e.value);
}

/**
 * Paced events are sent in ticks: everything due within 100 ms goes in one request, as a feed that
 * pushes its records in small batches would, and not one produce request per event (at 200 events/s
 * that was 200 requests a second, each a round of the broker's request handling and of every
 * consumer's fetch: the demo's Kafka and detector CPU, bench/README.md). Events go out at most a tick early.
 */
export const SEND_TICK_MS = 100;

export async function produceToKafka(o: ProduceOptions): Promise<ProduceResult> {
  const now = o.now ?? (() => performance.now());
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxBatch = o.maxBatch ?? 1000;
  const tickMs = o.tickMs ?? SEND_TICK_MS;
  const topicName: Record<SimTopic, string> = {
    [TOPICS.registrations]: o.topics?.registrations ?? TOPICS.registrations,
    [TOPICS.declarations]: o.topics?.declarations ?? TOPICS.declarations,
  };
  const counts = createCounts();
  const started = now();
  const dueAt = (index: number, e: SimEvent): number => {
    let due = started;
    if (o.rate && o.rate > 0) due = Math.max(due, started + (index * 1000) / o.rate);
    if (o.dayMs !== undefined) due = Math.max(due, started + (e.arrivalOffsetMs / DAY_MS) * o.dayMs);
    return due;
  };
  const progress = (): ProduceProgress => {
    const elapsedMs = now() - started;
    return {
      ...counts,
      noise: { ...counts.noise },
      elapsedMs,
      rate: elapsedMs > 0 ? (counts.total * 1000) / elapsedMs : 0,
    };
  };

  const iterator = o.events[Symbol.iterator]();
  let next = iterator.next();
  let index = 0;
  let aborted = false;
  while (!next.done) {
    if (o.signal?.aborted) {
      aborted = true;
      break;
    }
    const wait = dueAt(index, next.value) - now();
    if (wait > 1) await sleep(Math.min(wait, 250));
    if (dueAt(index, next.value) > now() + 1) continue;
    // Everything due within the tick goes into one request, grouped per topic, in arrival order.
    const byTopic = new Map<string, Message[]>();
    let n = 0;
    const t = now();
    while (!next.done && n < maxBatch && dueAt(index, next.value) <= t + 1 + tickMs) {
      const e = next.value;
      const topic = topicName[e.topic];
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ key: e.key, value: encodeEvent(o.codec, e) });
      countEvent(counts, e);
      n++;
      index++;
      next = iterator.next();
    }
    await o.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    o.onProgress?.(progress());
  }
  return { ...progress(), aborted };
}
