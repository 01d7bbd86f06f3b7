/**
 * V8 flags the detector should run with. Its batches allocate many short-lived objects (decoded
 * records, merged states, packed strings); with V8's default 16 MB young generation most of them are
 * promoted and collected again by the old generation. 64 MB semi-spaces let them die young: measured
 * on the detector benchmark, 36k -> 52k events/s, GC from 18% to ~12% of the profile. 128 MB,
 * starting at 64 MB (--min-semi-space-size) and --single-threaded-gc measured no better on
 * bench/detector-cpu.ts (detector README, "Where the CPU goes"). Launchers (the demo, the scale-out
 * test, the benchmarks) start the detector with these.
 */
export const DETECTOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** True when this process was started with the flags (on the command line or in NODE_OPTIONS). */
export function hasDetectorNodeFlags(): boolean {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return DETECTOR_NODE_FLAGS.every((f) => given.some((g) => g.startsWith(f.split('=')[0]!)));
}
