/**
 * NDJSON output: `events.ndjson` (one schemas NDJSON line per record, in arrival order, so
 * `zmwatch replay` can produce it) and `ground-truth.ndjson` (scenario, one line per vehicle, one per
 * ignorable noise record, and a closing summary). Undecodable records cannot be written in the JSON
 * form; they are written as `{"topic","key","bytes":<base64>}` lines, which the schemas NDJSON reader
 * rejects exactly like the detector dead-letters them on Kafka.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { toNdjsonLine } from '@zmwatch/schemas';
import type { Scenario } from './scenario.js';
import { createCounts, countEvent, type EventCounts } from './counts.js';
import type { SimEvent } from './types.js';

export const EVENTS_FILE = 'events.ndjson';
export const GROUND_TRUTH_FILE = 'ground-truth.ndjson';

export interface NdjsonOutputResult {
  readonly eventsPath: string;
  readonly groundTruthPath: string;
  readonly counts: EventCounts;
}

export function eventToNdjsonLine(e: SimEvent): string {
  if (e.value === null)
    return JSON.stringify({ topic: e.topic, key: e.key, bytes: e.bytes.toString('base64') });
  if (e.topic === 'vehicle.registrations.v1') return toNdjsonLine(e.topic, e.key ?? '', e.value);
  return toNdjsonLine(e.topic, e.key ?? '', e.value);
}

export async function writeNdjson(
  scenario: Scenario,
  dir: string,
  opts: { onProgress?: (counts: EventCounts) => void; signal?: AbortSignal } = {},
): Promise<NdjsonOutputResult> {
  mkdirSync(dir, { recursive: true });
  const eventsPath = join(dir, EVENTS_FILE);
  const groundTruthPath = join(dir, GROUND_TRUTH_FILE);
  const events = createWriteStream(eventsPath, { encoding: 'utf8' });
  const truth = createWriteStream(groundTruthPath, { encoding: 'utf8' });
  const counts = createCounts();
  const o = scenario.options;
  await write(truth, {
    type: 'scenario',
    seed: o.seed,
    vehicles: o.vehicles,
    startTime: new Date(o.startTime).toISOString(),
    durationDays: o.durationDays,
    mix: o.mix,
    noise: o.noise,
  });
  for (const item of scenario.items()) {
    if (opts.signal?.aborted) break;
    if (item.kind === 'vehicle') await write(truth, { type: 'vehicle', ...item.truth });
    else if (item.kind === 'noise') await write(truth, { type: 'noise', ...item.noise });
    else {
      countEvent(counts, item.event);
      await writeLine(events, eventToNdjsonLine(item.event));
      if (counts.total % 10_000 === 0) opts.onProgress?.(counts);
    }
  }
  await write(truth, { type: 'summary', complete: !opts.signal?.aborted, ...counts });
  await Promise.all([close(events), close(truth)]);
  opts.onProgress?.(counts);
  return { eventsPath, groundTruthPath, counts };
}

async function write(stream: WriteStream, obj: object): Promise<void> {
  await writeLine(stream, JSON.stringify(obj));
}

async function writeLine(stream: WriteStream, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}
