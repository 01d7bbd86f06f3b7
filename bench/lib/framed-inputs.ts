import { readFileSync } from 'node:fs';
import { parseNdjsonLine, TOPICS, type Codec } from '@zmwatch/schemas';

/** One input record of an NDJSON data set as a producer writes it: its contract topic, key and framed value. */
export interface FramedInput {
  topic: typeof TOPICS.registrations | typeof TOPICS.declarations;
  key: string;
  value: Buffer;
}

/**
 * The registrations and declarations of a data set (e.g. ../shared/peer's events.ndjson) in file
 * order, encoded with `codec`; what a producer could not write (the data set's malformed noise) is
 * left out, as it is not on the topic either.
 */
export function framedInputs(file: string, codec: Codec): FramedInput[] {
  const out: FramedInput[] = [];
  for (const [i, line] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (!line) continue;
    const r = parseNdjsonLine(line, i + 1);
    if (!r.ok) continue;
    const t = r.topic;
    if (t !== TOPICS.registrations && t !== TOPICS.declarations) continue;
    try {
      out.push({ topic: t, key: r.key, value: codec.encode(t, r.record as never) });
    } catch {
      continue;
    }
  }
  return out;
}
