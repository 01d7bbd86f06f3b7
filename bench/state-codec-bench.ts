// The VIN state codec's cost (services/detector/src/vin-state.ts): pack and unpack per state.
//   node --import tsx bench/state-codec-bench.ts [states=200000]
// The states are the golden fixture's (services/detector/test/fixtures/legacy-states.json: every
// section and declaration kind), each copied with shifted times so no two are equal, mixed as a
// detector sees them: 9 in 10 VINs hold a first registration only. Medians of 7 timed rounds after
// two warm-up rounds, in CPU time. Prints a table and one JSON line.
import { readFileSync } from 'node:fs';
import { packState, unpackState, type VinState } from '@zmwatch/detector';

const COUNT = Number(process.argv[2] ?? 200_000);
const ROUNDS = 7;
const fixture = JSON.parse(
  readFileSync(new URL('../services/detector/test/fixtures/legacy-states.json', import.meta.url), 'utf8'),
) as { states: Array<{ name: string; graceSeconds: number; state: VinState }> };
const GRACE = fixture.states[0]!.graceSeconds;
const registrationOnly = fixture.states.filter((s) => s.name === 'first registration only');
const others = fixture.states.filter((s) => s.name !== 'first registration only');

/** A deep copy of `s` with every time moved by `shift` seconds (ms fields by shift * 1000). */
function shifted(s: VinState, shift: number): VinState {
  return JSON.parse(JSON.stringify(s), (key, value: unknown) =>
    typeof value !== 'number' || key === 'revision' || key === 'declaredOdometerKm'
      ? value
      : key === 'time' || key === 'eventTime' || key === 'detectedAt' || key === 'declarationTime'
        ? value + shift * 1000
        : value + shift,
  ) as VinState;
}

const states: VinState[] = [];
for (let i = 0; i < COUNT; i++) {
  const base = i % 10 === 0 ? others[(i / 10) % others.length]! : registrationOnly[0]!;
  states.push(shifted(base.state, i * 7));
}
const packed = states.map((s) => packState(s, GRACE));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** CPU time (not wall time: the box is shared) per state, ns. */
function time(fn: () => void): number {
  const t = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t);
  return ((d.user + d.system) * 1000) / COUNT;
}
let sink = 0;
const packRound = () => {
  for (const s of states) sink += packState(s, GRACE).length;
};
const unpackRound = () => {
  for (const p of packed) sink += unpackState(p).declarations.length;
};
const packNs: number[] = [];
const unpackNs: number[] = [];
for (let r = 0; r < ROUNDS + 2; r++) {
  const p = time(packRound);
  const u = time(unpackRound);
  if (r < 2) continue;
  packNs.push(p);
  unpackNs.push(u);
}
const figures = {
  states: COUNT,
  packNsPerState: Math.round(median(packNs)),
  unpackNsPerState: Math.round(median(unpackNs)),
  meanPackedChars: Math.round((packed.reduce((n, p) => n + p.length, 0) / COUNT) * 10) / 10,
  registrationOnlyChars: packState(registrationOnly[0]!.state, GRACE).length,
};
console.log(`state codec, ${COUNT} states (1 in 10 with declarations or transfers)`);
console.log(`  pack    ${figures.packNsPerState} ns/state`);
console.log(`  unpack  ${figures.unpackNsPerState} ns/state`);
console.log(
  `  packed  ${figures.meanPackedChars} chars on average, ${figures.registrationOnlyChars} for a registration only`,
);
console.log(JSON.stringify({ bench: 'state-codec', ...figures, sink: sink > 0 }));
