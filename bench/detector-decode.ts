// The detector's decode alone, direct reader vs generic path, on the side-by-side data set: every
// record framed as a producer writes it, decoded by `createDecoder` with the direct reader (the
// default) and without it (`{ direct: false }`: codec decode, value-range walk, VIN check — what
// every record took before direct-read.ts). Rounds alternate the two in one process, so the load of
// a shared box hits both alike; compare the medians.
//
//   node --max-semi-space-size=64 --import tsx bench/detector-decode.ts [events.ndjson] [--rounds 5]
//
// Prints µs per record (CPU of this process, GC included) per path, and one JSON line
// {"detectorDecode": ...}. DECODE_PATH=direct (or generic) runs one path only, e.g. under --cpu-prof.
import { parseArgs } from 'node:util';
import type { KafkaMessage } from 'kafkajs';
import { contractPartition, createCodec, TOPICS } from '@zmwatch/schemas';
import { createDecoder, type DetectorInput } from '@zmwatch/detector';
import { framedInputs } from './lib/framed-inputs.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '5' } },
});
const file = positionals[0] ?? '/tmp/zm-peer-data/v270000-s42/events.ndjson';
const topics = { registrations: 'bench.registrations', declarations: 'bench.declarations' };
const codec = await createCodec();

const records = framedInputs(file, codec).map(({ topic, key, value }, i) => ({
  topic: topic === TOPICS.registrations ? topics.registrations : topics.declarations,
  partition: contractPartition(key, 6),
  message: {
    key: Buffer.from(key),
    value,
    timestamp: '1767600000000',
    attributes: 0,
    offset: String(i),
    headers: {},
  } as unknown as KafkaMessage,
}));

const paths = {
  direct: createDecoder(codec, topics),
  generic: createDecoder(codec, topics, { direct: false }),
};
const only = process.env.DECODE_PATH; // one path only (to profile it)
const results: Record<keyof typeof paths, { us: number[] }> = { direct: { us: [] }, generic: { us: [] } };
let keep: DetectorInput[] = [];
for (let round = 0; round < Number(args.rounds); round++) {
  for (const name of round % 2 === 0 ? (['generic', 'direct'] as const) : (['direct', 'generic'] as const)) {
    if (only && name !== only) continue;
    const decode = paths[name];
    const out: DetectorInput[] = new Array<DetectorInput>(records.length);
    const c0 = process.cpuUsage();
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      out[i] = decode(r.message, r.topic, r.partition) as DetectorInput;
    }
    const c = process.cpuUsage(c0);
    results[name].us.push((c.user + c.system) / records.length);
    keep = out; // the decoded inputs stay alive as a batch's do
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.error(`${records.length} records (${keep.length} kept), ${args.rounds} rounds per path`);
for (const [name, r] of Object.entries(results))
  console.error(
    `${name.padEnd(8)} µs/record median ${(r.us.length ? median(r.us) : 0).toFixed(2)} (${r.us.map((u) => u.toFixed(2)).join(' ')})`,
  );
console.log(
  JSON.stringify({
    detectorDecode: {
      file,
      records: records.length,
      directUs: median(results.direct.us),
      genericUs: median(results.generic.us),
      rounds: results,
    },
  }),
);
