// Escalator benchmark: case start rate against the local Temporal dev server and p99 from alert
// produced to case visible in its queue. The implementation lives with the escalator (its deps) and
// is its public `@zmwatch/escalator/bench` export; importing it runs the benchmark.
//   node --import tsx bench/escalator-bench.ts [--cases 600] [--rate 10] [--seconds 20] [--poll-ms 200]
await import('@zmwatch/escalator/bench');
