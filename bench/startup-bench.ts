// Start-up time and resident memory of each service, under tsx (the sources, as tests and development
// run them) and compiled (dist/main.js from `pnpm build`, as the demo, the manifests and the image run
// them).
//   node --import tsx bench/startup-bench.ts [--runs 3] [--services detector,escalator,worker,console,insights] [--settle-ms 2000]
// Run `pnpm build` first (the compiled entry points and the worker's workflow bundle). Each service
// starts alone, as its own process, exactly as the demo starts it (services/demo's serviceArgs), on the
// shared stack with unique topics, groups, task queue and free ports; the two runtimes alternate which
// goes first in each run so the shared machine's drift falls on both. "ready" is the time from spawn
// to the service's /readyz answering 2xx (connected to Kafka / Redis / Temporal, group joined), and
// the CPU time the process spent by then (the start-up's own cost, less sensitive to a busy machine);
// "RSS" is VmRSS `--settle-ms` after ready, "peak" the process's VmHWM by then; "stop" is SIGTERM to
// exit. Prints a table of medians and one JSON line.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVICE_MAINS, serviceArgs, type ServiceName, type ServiceRuntime } from '@zmwatch/demo';
import { DETECTOR_NODE_FLAGS } from '@zmwatch/detector';
import { freePort } from '@zmwatch/test-support/free-port';
import { testKafka, uniqueName } from '@zmwatch/test-support/stack';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    services: { type: 'string', default: Object.keys(SERVICE_MAINS).join(',') },
    'settle-ms': { type: 'string', default: '2000' },
  },
});
const RUNS = Number(args.runs);
const SETTLE_MS = Number(args['settle-ms']);
const SERVICES = args.services.split(',') as ServiceName[];
for (const s of SERVICES) if (!(s in SERVICE_MAINS)) throw new Error(`unknown service ${s}`);
const RUNTIMES: readonly ServiceRuntime[] = ['tsx', 'compiled'];
const READY_TIMEOUT_MS = 120_000;
const REPO_ROOT = new URL('..', import.meta.url).pathname;
const WORKFLOW_BUNDLE = join(REPO_ROOT, 'workflows/dist/workflow-bundle.js');

const id = uniqueName('zm-startup');
const topics = {
  registrations: `${id}.registrations`,
  declarations: `${id}.declarations`,
  alerts: `${id}.alerts`,
  outcomes: `${id}.outcomes`,
};
const workDir = mkdtempSync(join(tmpdir(), 'zm-startup-'));

interface Launch {
  env: Record<string, string>;
  nodeFlags?: readonly string[];
  readyUrl: string;
}

/** The environment each service starts with: its own names and ports, nothing shared with the demo. */
async function launchFor(service: ServiceName, run: string): Promise<Launch> {
  const port = await freePort();
  const ready = `http://127.0.0.1:${port}/readyz`;
  switch (service) {
    case 'detector':
      return {
        env: {
          ZM_DETECTOR_REGISTRATIONS_TOPIC: topics.registrations,
          ZM_DETECTOR_DECLARATIONS_TOPIC: topics.declarations,
          ZM_DETECTOR_ALERTS_TOPIC: topics.alerts,
          ZM_DETECTOR_GROUP_ID: `${id}-${run}-detector`,
          ZM_DETECTOR_KEY_PREFIX: `${id}-${run}`,
          ZM_DETECTOR_METRICS_PORT: String(port),
        },
        nodeFlags: DETECTOR_NODE_FLAGS,
        readyUrl: ready,
      };
    case 'escalator':
      return {
        env: {
          ZM_ESCALATOR_ALERTS_TOPIC: topics.alerts,
          ZM_ESCALATOR_GROUP_ID: `${id}-${run}-escalator`,
          ZM_CASES_TASK_QUEUE: `${id}-cases`,
          ZM_ESCALATOR_METRICS_PORT: String(port),
        },
        readyUrl: ready,
      };
    case 'worker':
      return {
        env: {
          ZM_CASES_TASK_QUEUE: `${id}-cases`,
          ZM_OUTCOMES_TOPIC: topics.outcomes,
          // Never called: no case reaches this task queue.
          ZM_CUSTOMS_URL: 'http://127.0.0.1:9/customs',
          ZM_WORKER_METRICS_PORT: String(port),
        },
        readyUrl: ready,
      };
    case 'console':
      return {
        env: {
          ZM_CONSOLE_PORT: String(await freePort()),
          ZM_CONSOLE_METRICS_PORT: String(port),
          ZM_ALERTS_TOPIC: topics.alerts,
          ZM_FEED_TOPICS: `${topics.registrations},${topics.declarations}`,
          ZM_CASES_TASK_QUEUE: `${id}-cases`,
        },
        readyUrl: ready,
      };
    case 'insights':
      return {
        env: {
          ZM_INSIGHTS_PORT: String(port),
          ZM_INSIGHTS_DB: join(workDir, `${run}-insights.duckdb`),
          ZM_INSIGHTS_GROUP_ID: `${id}-${run}-insights`,
          ZM_INSIGHTS_REGISTRATIONS_TOPIC: topics.registrations,
          ZM_INSIGHTS_DECLARATIONS_TOPIC: topics.declarations,
          ZM_INSIGHTS_ALERTS_TOPIC: topics.alerts,
          ZM_INSIGHTS_OUTCOMES_TOPIC: topics.outcomes,
        },
        readyUrl: ready,
      };
  }
}

interface Sample {
  readyMs: number;
  /** CPU time (user + system) the process spent until ready: what start-up costs, whatever the load. */
  cpuMs: number;
  rssMiB: number;
  peakRssMiB: number;
  stopMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** utime + stime of a process (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

async function measure(service: ServiceName, runtime: ServiceRuntime, run: string): Promise<Sample> {
  const launch = await launchFor(service, run);
  const logFile = join(workDir, `${run}-${service}-${runtime}.log`);
  const fd = openSync(logFile, 'a');
  const started = performance.now();
  const child = spawn(
    process.execPath,
    serviceArgs({ main: SERVICE_MAINS[service], runtime, nodeFlags: launch.nodeFlags ?? [] }),
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ZM_LOG_LEVEL: 'info', ...launch.env },
      stdio: ['ignore', fd, fd],
    },
  );
  closeSync(fd);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const fail = (why: string) =>
    new Error(`${service} (${runtime}) ${why}; its log:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
  try {
    for (;;) {
      if (exited) throw fail('exited before it was ready');
      if (performance.now() - started > READY_TIMEOUT_MS) throw fail('was not ready in time');
      const ok = await fetch(launch.readyUrl, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await sleep(25);
    }
    const readyMs = performance.now() - started;
    const cpuMs = cpuMsOf(child.pid!);
    await sleep(SETTLE_MS);
    const mem = memoryMiB(child.pid!);
    const stopping = performance.now();
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exit;
    clearTimeout(killer);
    return { readyMs, cpuMs, rssMiB: mem.rss, peakRssMiB: mem.peak, stopMs: performance.now() - stopping };
  } finally {
    if (!exited) {
      child.kill('SIGKILL');
      await exit;
    }
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  if (!existsSync(WORKFLOW_BUNDLE))
    throw new Error(`${WORKFLOW_BUNDLE} is missing: run \`pnpm build\` first`);
  const kafka = testKafka('zm-startup-bench');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.registrations, numPartitions: 6 },
      { topic: topics.declarations, numPartitions: 6 },
      { topic: topics.alerts, numPartitions: 3 },
      { topic: topics.outcomes, numPartitions: 3 },
      { topic: `${topics.registrations}.dlq`, numPartitions: 1 },
      { topic: `${topics.declarations}.dlq`, numPartitions: 1 },
      { topic: `${topics.alerts}.dlq`, numPartitions: 1 },
    ],
  });
  const samples = new Map<string, Sample[]>();
  try {
    for (let r = 0; r < RUNS; r++) {
      for (const service of SERVICES) {
        const order = r % 2 === 0 ? RUNTIMES : [...RUNTIMES].reverse();
        for (const runtime of order) {
          const s = await measure(service, runtime, `r${r}-${runtime}`);
          const key = `${service}/${runtime}`;
          samples.set(key, [...(samples.get(key) ?? []), s]);
          process.stderr.write(
            `run ${r + 1}/${RUNS} ${key}: ready ${s.readyMs.toFixed(0)} ms (CPU ${s.cpuMs} ms), RSS ${s.rssMiB.toFixed(0)} MiB, stop ${s.stopMs.toFixed(0)} ms\n`,
          );
        }
      }
    }
  } finally {
    const created = await admin.listTopics();
    await admin.deleteTopics({ topics: created.filter((t) => t.startsWith(id)) }).catch(() => undefined);
    await admin.disconnect();
    rmSync(workDir, { recursive: true, force: true });
  }

  const result: Record<string, Record<ServiceRuntime, Sample>> = {};
  for (const service of SERVICES) {
    const of = (runtime: ServiceRuntime): Sample => {
      const xs = samples.get(`${service}/${runtime}`)!;
      return {
        readyMs: Math.round(median(xs.map((x) => x.readyMs))),
        cpuMs: Math.round(median(xs.map((x) => x.cpuMs))),
        rssMiB: Math.round(median(xs.map((x) => x.rssMiB))),
        peakRssMiB: Math.round(median(xs.map((x) => x.peakRssMiB))),
        stopMs: Math.round(median(xs.map((x) => x.stopMs))),
      };
    };
    result[service] = { tsx: of('tsx'), compiled: of('compiled') };
  }
  const rows = [
    [
      'service',
      'ready tsx',
      'ready compiled',
      'CPU tsx',
      'CPU compiled',
      'RSS tsx',
      'RSS compiled',
      'peak tsx',
      'peak compiled',
    ],
    ...SERVICES.map((s) => {
      const { tsx, compiled } = result[s]!;
      return [
        s,
        `${tsx.readyMs} ms`,
        `${compiled.readyMs} ms`,
        `${tsx.cpuMs} ms`,
        `${compiled.cpuMs} ms`,
        `${tsx.rssMiB} MiB`,
        `${compiled.rssMiB} MiB`,
        `${tsx.peakRssMiB} MiB`,
        `${compiled.peakRssMiB} MiB`,
      ];
    }),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  console.log(`medians of ${RUNS} run(s); load average at the end ${loadavg()[0]!.toFixed(1)}`);
  console.log(JSON.stringify({ bench: 'startup', runs: RUNS, settleMs: SETTLE_MS, services: result }));
}

await main();
