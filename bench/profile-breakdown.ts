// Where a detector's CPU goes, from a V8 CPU profile (`node --cpu-prof`), by pipeline step.
//
//   node --import tsx bench/profile-breakdown.ts <file.cpuprofile> [--json]
//
// Each sample is charged to the step of the innermost frame on its stack that belongs to a step
// (STEPS, first match wins per frame): library code called from a step counts for that step (avsc
// under decode is decode, ioredis under the Redis write is the write), and what no step called is
// charged by its own file (kafkajs fetching and parsing, Node internals, GC, idle). Prints a table
// (share of the busy samples, ms) and one JSON line `{"profileBreakdown": ...}`.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Steps in the order the README's profile table lists them; a frame matches by file and function. */
export const STEPS: readonly { step: string; match: (url: string, fn: string) => boolean }[] = [
  {
    step: 'decode (Avro, framing)',
    match: (u) =>
      /\/detector\/src\/decode\.ts|decode-framed|\/schemas\/src\/(codec|registry)|\/avsc\//.test(u),
  },
  {
    step: 'validation and placement',
    match: (u) => /value-ranges|\/vin\.ts|placement\.ts|\/kit\/src\/reroute/.test(u),
  },
  {
    step: 'state unpack',
    match: (u, f) => /state-codec|vin-state|bucket-blob/.test(u) && /unpack|read|parse|decode/i.test(f),
  },
  {
    step: 'state pack',
    match: (u, f) =>
      /state-codec|vin-state|bucket-blob|write-states|bucket-writes/.test(u) &&
      /pack|write|format|encode|plan/i.test(f),
  },
  { step: 'merge', match: (u) => /merge-batch|apply-events|vin-work|timeline/.test(u) },
  { step: 'entity step', match: (u) => /entity-/.test(u) },
  { step: 'revision bookkeeping', match: (u) => /revision|verdicts|emitted-cache/.test(u) },
  { step: 'evaluate', match: (u) => /evaluate|\/rules\/|registrant-velocity/.test(u) },
  {
    step: 'alert encode + produce',
    match: (u) => /alert-publisher|publish-alerts|\/alert\.ts|send-chunked/.test(u),
  },
  {
    step: 'Redis read/write (ioredis)',
    match: (u) =>
      /read-states|bucket-reads|bucket-cas|redis-store|redis-pipeline|\/ioredis\/|redis-parser/.test(u),
  },
  { step: 'kit batch consumer', match: (u) => /\/kit\/src\/(batch-consumer|isolate|consumer)/.test(u) },
  { step: 'kafkajs (fetch, parse, commit)', match: (u) => /\/kafkajs\//.test(u) },
];

const SPECIAL = new Map([
  ['(garbage collector)', 'GC'],
  ['(idle)', 'idle'],
  ['(program)', 'V8 / native (program)'],
]);

/** What no step called: Node's own code (or a frame without a file), or anything else. */
const NODE = 'Node internals';
const OTHER = 'other';
const UNCLAIMED = new Set([NODE, OTHER]);

export function breakdown(p: Profile): { step: string; ms: number; share: number }[] {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const stepOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = stepOf.get(id);
    if (known !== undefined) return known;
    const { url, functionName } = byId.get(id)!.callFrame;
    // Its own step, else its caller's (a library called from a step), else by its own file.
    let step = SPECIAL.get(functionName) ?? STEPS.find((s) => s.match(url, functionName))?.step;
    if (!step) {
      const up = parent.get(id);
      const caller = up === undefined ? undefined : resolve(up);
      step = caller && !UNCLAIMED.has(caller) ? caller : /node:|^$/.test(url) ? NODE : OTHER;
    }
    stepOf.set(id, step);
    return step;
  };
  const us = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const s = resolve(p.samples[i]!);
    us.set(s, (us.get(s) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const busy = [...us].filter(([s]) => s !== 'idle').reduce((a, [, v]) => a + v, 0);
  return [...us]
    .filter(([s]) => s !== 'idle')
    .map(([step, v]) => ({ step, ms: Math.round(v / 1000), share: Math.round((1000 * v) / busy) / 10 }))
    .sort((a, b) => b.ms - a.ms);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: profile-breakdown.ts <file.cpuprofile> [--json]');
    process.exit(2);
  }
  const rows = breakdown(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const out = process.argv.includes('--json') ? process.stderr : process.stdout;
  out.write(`${'step'.padEnd(34)}${'busy %'.padStart(8)}${'ms'.padStart(9)}\n`);
  for (const r of rows)
    out.write(`${r.step.padEnd(34)}${r.share.toFixed(1).padStart(8)}${String(r.ms).padStart(9)}\n`);
  console.log(JSON.stringify({ profileBreakdown: { file, steps: rows } }));
}
