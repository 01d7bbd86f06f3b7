// The whole stack under the demo's load, seen by an analyst: the demo's services (detector,
// escalator, case worker, console, insights) started exactly as `infra/bin/demo` starts them, the
// simulator streaming at --rate, and an analyst probing the console over HTTP as the browser does
// (sign in, open the queues, open cases). Prints a table and one JSON line; see bench/README.md.
//   node --import tsx bench/load-bench.ts [--rate 200] [--duration 120] [--json] [--seed n]
//   zmwatch bench load [--rate 200] [--duration 120] [--json]
// Uses the demo's fixed ports: run it under `flock /tmp/zm-demo.lock`.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clientEnv, REPO_ROOT, stackSettings, stackUp } from '@zmwatch/infra';
import { consumerGroupLag, createKafka, DEFAULT_PORTS } from '@zmwatch/kit';
import { createCodec, TOPICS } from '@zmwatch/schemas';
import { createApp as createSimulator, loadConfig as loadSimulatorConfig } from '@zmwatch/simulator';
import {
  createDemoLog,
  DEMO_METRICS_PORTS,
  startAlertCollector,
  startDemoServices,
  type CollectedAlert,
} from '@zmwatch/demo';
import { startAnalyst } from './lib/load-analyst.js';
import { CpuTracker, loadAverage1m, pidListeningOn } from './lib/proc-cpu.js';
import { ThreadStateSampler } from './lib/thread-states.js';
import { p50p99 } from './lib/latency.js';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '120' },
    json: { type: 'boolean', default: false },
    seed: { type: 'string', default: String(Math.floor(Math.random() * 1e9)) },
    vehicles: { type: 'string', default: '20000' },
    'probe-ms': { type: 'string', default: '500' },
    'cpu-prof': { type: 'string' },
    'settle-load': { type: 'string', default: '1.5' },
  },
});
const RATE = Number(args.rate);
const DURATION_S = Number(args.duration);
const PROBE_MS = Number(args['probe-ms']);
if (!(RATE > 0) || !(DURATION_S > 0) || !(PROBE_MS > 0))
  throw new Error('--rate, --duration and --probe-ms must be numbers > 0');
/** With --json, stdout carries only the JSON line; the table and progress go to stderr. */
const tell = (line: string) => (args.json ? process.stderr : process.stdout).write(`${line}\n`);
/** Samples of load average, lag and CPU. */
const SAMPLE_MS = 2_000;
/** Thread states (R, D) of the whole machine, attributed per process and thread name. */
const THREAD_SAMPLE_MS = 500;
/** After the simulator stops: time for alerts already raised to reach their cases' queues. */
const SETTLE_MS = 10_000;
/** The stack's own CPU is sampled this long before the services start (see stackBackgroundCores). */
const BACKGROUND_MS = 20_000;
/**
 * The load average is a one-minute moving average: right after other work ends (a test run the
 * quiet lock waited for) it still counts that work for a minute or two. The run starts once it is
 * at most --settle-load, or after SETTLE_MAX_MS.
 */
const SETTLE_LOAD = Number(args['settle-load']);
const SETTLE_MAX_MS = 180_000;

tell(`zmwatch bench load: stack up, demo services, simulator at ${RATE} events/s for ${DURATION_S} s`);
await stackUp({ profile: 'single' });
// The services run compiled (dist/, as in production) and the worker loads the prebuilt workflow
// bundle: emit both from the current sources first, as infra/bin/demo does.
try {
  execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'infra', 'src', 'emit-js.ts')], {
    cwd: REPO_ROOT,
    stdio: 'pipe',
  });
  execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'workflows', 'scripts', 'bundle.ts')], {
    cwd: join(REPO_ROOT, 'workflows'),
    stdio: 'pipe',
  });
} catch (err) {
  process.stderr.write(String((err as { stderr?: Buffer }).stderr ?? err));
  throw new Error('building the compiled services or the workflow bundle failed');
}
const s = stackSettings('single');
const env = clientEnv(s);
const logDir = join(s.runDir, 'logs');
mkdirSync(logDir, { recursive: true });
const { logger } = createDemoLog(logDir);
const settleStart = Date.now();
while (loadAverage1m() > SETTLE_LOAD && Date.now() - settleStart < SETTLE_MAX_MS)
  await new Promise((r) => setTimeout(r, 5_000));
const settledS = Math.round((Date.now() - settleStart) / 1000);
const loadBefore = loadAverage1m();
tell(
  `load average ${loadBefore} after waiting ${settledS} s for it to settle (--settle-load ${SETTLE_LOAD})`,
);

// The stack's servers are shared (other clones, tests): their CPU before the demo's services start
// is the background the per-process figures of kafka, redis and temporal include.
const stackPids = {
  kafka: pidListeningOn(s.kafkaNodes[0]!.port),
  redis: pidListeningOn(s.redisNodes[0]!.port),
  temporal: pidListeningOn(s.temporalPort),
};
const stackProcesses = () => Object.entries(stackPids).map(([name, pid]) => ({ name, pid }));
const background = new CpuTracker();
background.sample(stackProcesses());
await new Promise((r) => setTimeout(r, BACKGROUND_MS));
background.sample(stackProcesses());
const stackBackgroundCores = Object.fromEntries(
  Object.entries(background.secondsByName()).map(([name, sec]) => [
    name,
    Math.round((sec / (BACKGROUND_MS / 1000)) * 1000) / 1000,
  ]),
);

const pipeline = await startDemoServices({
  env,
  consolePort: DEFAULT_PORTS.console,
  runDir: s.runDir,
  logDir,
  report: (t) => tell(`\n${t}`),
  // Five services transpiled by tsx at once on a loaded 2-core machine can take minutes.
  readyTimeoutMs: 300_000,
  ...(args['cpu-prof'] ? { extraNodeFlags: ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] } : {}),
});

const kafka = createKafka({
  clientId: 'zmwatch-bench-load',
  brokers: env.ZM_KAFKA_BROKERS!.split(','),
  logger,
});
const admin = kafka.admin();
await admin.connect();
const codec = await createCodec();

const newAlerts: CollectedAlert[] = [];
const collector = await startAlertCollector(kafka, codec, TOPICS.alerts, (a) => newAlerts.push(a));
const analyst = await startAnalyst({ consoleUrl: pipeline.consoleUrl, pollMs: PROBE_MS, alerts: newAlerts });

const processes = () => [
  ...pipeline.services.map((x) => ({ name: x.name, pid: x.current()?.child.pid })),
  ...stackProcesses(),
];
const cpu = new CpuTracker();
const benchCpuStart = process.cpuUsage();

const revisionsSignalled = async (): Promise<number> => {
  const res = await fetch(`http://127.0.0.1:${DEMO_METRICS_PORTS.escalator}/metrics`);
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('zm_escalator_revisions_signalled_total'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
};
const signalledBefore = await revisionsSignalled();
const revisionsBefore = collector.tally.revisions;

const loadSamples: number[] = [];
const lagSamples: number[] = [];
let sampling = true;
const sampler = (async () => {
  while (sampling) {
    cpu.sample(processes());
    loadSamples.push(loadAverage1m());
    const lag = await consumerGroupLag(admin, 'zm-escalator', [TOPICS.alerts]).then(
      (l) => l.total,
      () => undefined,
    );
    if (lag !== undefined) lagSamples.push(lag);
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
  }
})();

const threadStates = new ThreadStateSampler();
const processNames = () =>
  new Map<number, string>([
    ...processes().flatMap((x) => (x.pid === undefined ? [] : [[x.pid, x.name] as [number, string]])),
    [process.pid, 'bench'],
  ]);
const threadSampler = setInterval(() => threadStates.sample(processNames()), THREAD_SAMPLE_MS);

const simConfig = loadSimulatorConfig(
  ['--seed', args.seed, '--vehicles', args.vehicles, '--rate', String(RATE), '--no-progress'],
  { ...process.env, ...env },
);
if (simConfig === 'help') throw new Error('unreachable: no --help given');
const simulator = createSimulator(simConfig, { logger: logger.child({ component: 'simulator' }) });
const t0 = Date.now();
const simRun = simulator.start();
const progress = setInterval(() => {
  const a = analyst.figures();
  tell(
    `  ${Math.round((Date.now() - t0) / 1000)} s: load ${loadSamples.at(-1)?.toFixed(2)}, escalator lag ${lagSamples.at(-1)}, alerts ${newAlerts.length}, case pages ${a.casePageMs.length}`,
  );
}, 15_000);
await new Promise((r) => setTimeout(r, DURATION_S * 1000));
await simulator.stop();
const run = await simRun;
const streamedS = (Date.now() - t0) / 1000;
cpu.sample(processes());
const benchCpu = process.cpuUsage(benchCpuStart);
clearInterval(progress);
clearInterval(threadSampler);

// Alerts raised during the run still reach their queues: measure them, not the shutdown.
await new Promise((r) => setTimeout(r, SETTLE_MS));
sampling = false;
await sampler;
const signalledAfter = await revisionsSignalled();
await analyst.stop();
await collector.stop();
await admin.disconnect();
const health = pipeline.services.map((x) => x.health());
await pipeline.stop();

const a = analyst.figures();
const revisions = collector.tally.revisions - revisionsBefore;
const signalled = signalledAfter - signalledBefore;
const cpuSeconds = cpu.secondsByName();
cpuSeconds.bench = (benchCpu.user + benchCpu.system) / 1e6;
const cpuByProcess = Object.fromEntries(
  Object.entries(cpuSeconds)
    .sort((x, y) => y[1] - x[1])
    .map(([name, sec]) => [
      name,
      { cpuSeconds: Math.round(sec * 10) / 10, cores: Math.round((sec / streamedS) * 1000) / 1000 },
    ]),
);
const coresTotal = Object.values(cpuSeconds).reduce((x, y) => x + y, 0) / streamedS;
const figures = {
  bench: 'load',
  rate: RATE,
  durationS: Math.round(streamedS),
  seed: args.seed,
  events: run.counts.total,
  alerts: newAlerts.length,
  casePageMs: p50p99(a.casePageMs),
  casePageErrors: a.casePageErrors,
  casePageStatuses: a.casePageStatuses,
  casePages: a.casePageMs.length,
  queuePageMs: p50p99(a.queuePageMs),
  queuePageErrors: a.queuePageErrors,
  alertToCaseMs: p50p99(a.alertToCaseMs),
  alertsMeasured: a.alertToCaseMs.length,
  alertsNeverInQueue: a.neverSeen,
  escalatorMaxLag: lagSamples.length ? Math.max(...lagSamples) : null,
  escalatorLagAtStart: lagSamples[0] ?? null,
  revisionsReachingCases: {
    revisions,
    signalled,
    share: revisions > 0 ? Math.round((signalled / revisions) * 1000) / 1000 : null,
  },
  loadAvgBefore: loadBefore,
  loadSettleS: settledS,
  loadAvgMax: Math.max(...loadSamples),
  cpuCoresTotal: Math.round(coresTotal * 1000) / 1000,
  cpuByProcess,
  stackBackgroundCores,
  threadStates: threadStates.figures(),
  restarts: Object.fromEntries(health.filter((h) => h.restarts > 0).map((h) => [h.name, h.restarts])),
};

const row = (k: string, v: string) => tell(`  ${k.padEnd(34)} ${v}`);
const pp = (x: { p50: number | null; p99: number | null }) => `p50 ${x.p50} ms, p99 ${x.p99} ms`;
tell(
  `\nload bench: ${RATE} events/s for ${figures.durationS} s (seed ${args.seed}), ${figures.events} events, ${figures.alerts} new alerts`,
);
row(
  'case page (GET /api/cases/:vin)',
  `${pp(figures.casePageMs)} over ${figures.casePages} (${a.casePageErrors} not 2xx: ${JSON.stringify(a.casePageStatuses)})  target p99 < 1000`,
);
row('queue page (GET /api/cases?queue)', `${pp(figures.queuePageMs)} (${a.queuePageErrors} not 200)`);
row(
  'alert → case in its queue',
  `${pp(figures.alertToCaseMs)} over ${a.alertToCaseMs.length} alerts (${a.neverSeen} never seen)  target p99 < 2000`,
);
row('escalator lag, max of samples', `${figures.escalatorMaxLag}  target < 100`);
row(
  'revisions reaching cases',
  `${signalled} of ${revisions} (${figures.revisionsReachingCases.share ?? '-'})`,
);
row(
  'load average (1 min), max',
  `${figures.loadAvgMax} (before the services started: ${loadBefore})  target < 2.5`,
);
row('CPU, every process below', `${figures.cpuCoresTotal} cores on average`);
for (const [name, c] of Object.entries(cpuByProcess))
  row(`  ${name}`, `${c.cpuSeconds.toFixed(1)} s CPU = ${(c.cores * 100).toFixed(1)}% of a core`);
row(
  'stack servers before the services',
  `${Object.entries(stackBackgroundCores)
    .map(([n, c]) => `${n} ${(c * 100).toFixed(1)}%`)
    .join(', ')} of a core (other users of the shared stack)`,
);
row(
  'runnable + uninterruptible threads',
  `${figures.threadStates.meanRD} on average (what the load average tracks); by process: ${Object.entries(
    figures.threadStates.byProcess,
  )
    .slice(0, 8)
    .map(([n, c]) => `${n} R ${c.R} D ${c.D}`)
    .join(', ')}`,
);
for (const t of figures.threadStates.topThreads) row(`  ${t.thread}`, `R ${t.R}, D ${t.D}`);
if (Object.keys(figures.restarts).length)
  row('RESTARTS (figures incomplete)', JSON.stringify(figures.restarts));
process.stdout.write(`${JSON.stringify(figures)}\n`);
process.exit(0);
