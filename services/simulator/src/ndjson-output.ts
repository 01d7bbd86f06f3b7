/**
 * NDJSON output: `events.ndjson` (one schemas NDJSON line per record, in arrival order, so
 * `zmwatch replay` can produce it) and `ground-truth.ndjson` (see ground-truth-file.ts). Undecodable
 * records cannot be written in the JSON form; they are written as `{"topic","key","bytes":<base64>}`
 * lines, which the schemas NDJSON reader rejects just as the detector dead-letters them on Kafka.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { toNdjsonLine } from '@zmwatch/schemas';
import { countEvent, createCounts, type EventCounts } from './counts.js';
import { closeStream, createGroundTruthWriter, writeLine } from './ground-truth-file.js';
import type { Scenario } from './scenario.js';
import type { SimEvent } from './types.js';

export const EVENTS_FILE = 'events.ndjson';
export const GROUND_TRUTH_FILE = 'ground-truth.ndjson';

export interface NdjsonOutputResult {
  readonly eventsPath: string;
  readonly groundTruthPath: string;
  readonly counts: EventCounts;
  readonly aborted: boolean;
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
  const truth = await createGroundTruthWriter(groundTruthPath, scenario.options);
  const counts = createCounts();
  let aborted = false;
  for (const item of scenario.items()) {
    if (opts.signal?.aborted) {
      aborted = true;
      break;
    }
    if (item.kind === 'vehicle') await truth.vehicle(item.truth);
    else if (item.kind === 'noise') await truth.noise(item.noise);
    else {
      countEvent(counts, item.event);
      await writeLine(events, eventToNdjsonLine(item.event));
      if (counts.total % 5_000 === 0) opts.onProgress?.(counts);
    }
  }
  await Promise.all([closeStream(events), truth.close(counts, !aborted)]);
  opts.onProgress?.(counts);
  return { eventsPath, groundTruthPath, counts, aborted };
}
