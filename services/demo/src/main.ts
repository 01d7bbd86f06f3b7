// The README's main command: stack up, pipeline running, simulator streaming, console URL printed;
// Ctrl-C (or --duration) prints a summary with precision and recall against the ground truth.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DETECTOR_NODE_FLAGS } from '@zmwatch/detector';
import { ConfigError, consumerGroupLag, createKafka, DEFAULT_PORTS } from '@zmwatch/kit';
import { clientEnv, stackSettings, stackUp } from '@zmwatch/infra';
import { createCodec, TOPICS } from '@zmwatch/schemas';
import {
  createApp as createSimulator,
  formatQualityTable,
  loadConfig as loadSimulatorConfig,
  readGroundTruth,
  scoreDetections,
} from '@zmwatch/simulator';
import { CASE_WORKFLOW_TYPE, CASES_TASK_QUEUE } from '@zmwatch/workflows';
import { startAlertCollector } from './alert-collector.js';
import { loadDemoConfig, USAGE } from './config.js';
import { startCustomsReceiver } from './customs-receiver.js';
import { createDemoLog } from './demo-log.js';
import { describePolicy } from './restart-policy.js';
import { formatServiceHealth } from './service-report.js';
import { SERVICE_IMPACT, SERVICE_MAINS, type ServiceName, type ServiceSpec } from './services.js';
import { formatSummary } from './summary.js';
import { superviseService } from './supervisor.js';
import { dlqOffsets } from './kafka-figures.js';

const say = (msg: string) => process.stdout.write(`${msg}\n`);

async function main(): Promise<number> {
  const config = loadDemoConfig(process.argv.slice(2));
  if (config === 'help') {
    say(USAGE);
    return 0;
  }
  const started = Date.now();
  say(
    `zmwatch demo: bringing the local stack up (profile ${config.profile}; first run installs Kafka, Redis and Temporal; later runs take seconds)`,
  );
  await stackUp({ profile: config.profile });
  const s = stackSettings(config.profile);
  // The profile's addresses win over the shell's (an unset one, e.g. ZM_REDIS_URL on a cluster, is
  // undefined, which child processes and the simulator read as unset).
  const env = clientEnv(s);
  const ownEnv = { ...process.env, ...env };
  const runDir = join(s.runDir, 'demo');
  mkdirSync(runDir, { recursive: true });
  const logDir = join(s.runDir, 'logs');
  const { logger } = createDemoLog(logDir);

  const customs = await startCustomsReceiver();
  const base = { ...env, ZM_LOG_LEVEL: 'info' };
  const ports = { detector: 19464, escalator: 19465, console: 19466, worker: 19467 };
  const consoleUrl = `http://127.0.0.1:${config.consolePort}`;
  const specs: (ServiceSpec & { name: ServiceName })[] = [
    {
      name: 'detector',
      main: SERVICE_MAINS.detector,
      env: {
        // A restarted detector takes over the dead one's partitions once its session expires: keep
        // that short in the demo (30 s in production defaults) so a crash costs seconds.
        ZM_DETECTOR_SESSION_TIMEOUT_MS: '10000',
        ...base,
        ZM_DETECTOR_METRICS_PORT: String(ports.detector),
      },
      nodeFlags: DETECTOR_NODE_FLAGS,
      readyUrl: `http://127.0.0.1:${ports.detector}/readyz`,
    },
    {
      name: 'escalator',
      main: SERVICE_MAINS.escalator,
      env: { ...base, ZM_ESCALATOR_METRICS_PORT: String(ports.escalator) },
      readyUrl: `http://127.0.0.1:${ports.escalator}/readyz`,
    },
    {
      name: 'worker',
      main: SERVICE_MAINS.worker,
      env: { ...base, ZM_CUSTOMS_URL: customs.url, ZM_WORKER_METRICS_PORT: String(ports.worker) },
      readyUrl: `http://127.0.0.1:${ports.worker}/readyz`,
    },
    {
      name: 'console',
      main: SERVICE_MAINS.console,
      // The console serves /metrics on its own listener, not on the user-facing port (README "Security").
      env: {
        ...base,
        ZM_CONSOLE_PORT: String(config.consolePort),
        ZM_CONSOLE_METRICS_PORT: String(ports.console),
      },
      readyUrl: `${consoleUrl}/healthz`,
    },
    {
      // On its default port, so `zmwatch report` and the console find it without settings.
      name: 'insights',
      main: SERVICE_MAINS.insights,
      env: { ...base, ZM_RUN_DIR: s.runDir },
      readyUrl: `http://127.0.0.1:${DEFAULT_PORTS.insights}/readyz`,
    },
  ];
  // Every service is supervised from its first start: a death is reported here at once and the
  // service restarted, while the others keep running (see supervisor.ts).
  const servicesStartedAt = Date.now();
  const services = specs.map((spec) => superviseService({ spec, logDir, report: (t) => say(`\n${t}`) }));
  const stopAll = async () => {
    await Promise.all(services.map((x) => x.stop()));
    await customs.stop();
  };

  try {
    await Promise.all(services.map((x) => x.ready(60_000)));
  } catch (err) {
    await stopAll();
    throw err;
  }

  const kafka = createKafka({ clientId: 'zmwatch-demo', brokers: env.ZM_KAFKA_BROKERS!.split(','), logger });
  const admin = kafka.admin();
  await admin.connect();
  const codec = await createCodec();
  const collector = await startAlertCollector(kafka, codec, TOPICS.alerts);
  const dlqBefore = await dlqOffsets(admin);

  say('');
  say('zmwatch demo is running');
  say(
    `  console       ${consoleUrl}   (analyst / analyst-demo, supervisor / supervisor-demo, ops / ops-demo, customs / customs-demo)`,
  );
  say(`  temporal UI   ${env.ZM_TEMPORAL_UI_URL}   (case workflows: WorkflowType="${CASE_WORKFLOW_TYPE}")`);
  say(
    `  metrics       http://127.0.0.1:${ports.detector}/metrics (detector), http://127.0.0.1:${ports.escalator}/metrics (escalator), http://127.0.0.1:${ports.console}/metrics (console)`,
  );
  say(`  logs          ${logDir}/demo-*.log`);
  say(`  supervision   a service that dies is reported here and restarted (${describePolicy()})`);
  say(
    `  simulator     seed ${config.seed}; ${config.durationMs ? `stops after ${config.durationMs / 1000} s` : 'press Ctrl-C for the summary'}`,
  );
  say('');

  const truthFile = join(runDir, `ground-truth-${config.seed}.ndjson`);
  const simConfig = loadSimulatorConfig([...config.simulatorArgs, '--truth', truthFile], ownEnv);
  if (simConfig === 'help') throw new ConfigError('simulator --help is not a demo option');
  // The simulator's log (and its producer's kafkajs lines) go to the demo's log file; its progress
  // line stays on the terminal.
  const simulator = createSimulator(simConfig, { logger: logger.child({ component: 'simulator' }) });
  const simRun = simulator.start();

  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    if (config.durationMs) setTimeout(resolve, config.durationMs).unref();
  });
  process.once('SIGINT', () => {
    say('second Ctrl-C: exiting without the summary');
    process.exit(130);
  });

  say('\nstopping the simulator and letting the pipeline drain (up to 20 s)...');
  await simulator.stop();
  const run = await simRun.catch((err: unknown) => {
    say(`simulator failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  });
  const drainUntil = Date.now() + 20_000;
  let backlog = { inputs: -1, alerts: -1 };
  while (Date.now() < drainUntil) {
    const lag = await consumerGroupLag(admin, 'zm-detector', [
      TOPICS.registrations,
      TOPICS.declarations,
    ]).then(
      (l) => l.total,
      () => -1,
    );
    const alertLag = await consumerGroupLag(admin, 'zm-escalator', [TOPICS.alerts]).then(
      (l) => l.total,
      () => -1,
    );
    backlog = { inputs: lag, alerts: alertLag };
    if (lag === 0 && alertLag === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 1500)); // last alerts reach the collector

  let cases: number | string = '?';
  try {
    const connection = await Connection.connect({ address: env.ZM_TEMPORAL_ADDRESS! });
    const client = new Client({ connection });
    const res = await client.workflow.count(
      `WorkflowType = "${CASE_WORKFLOW_TYPE}" AND TaskQueue = "${CASES_TASK_QUEUE}" AND StartTime >= "${new Date(started).toISOString()}"`,
    );
    cases = res.count;
    await connection.close();
  } catch (err) {
    cases = `unknown (${err instanceof Error ? err.message : String(err)})`;
  }
  const dlqAfter = await dlqOffsets(admin);
  const dlq = Object.fromEntries(
    Object.entries(dlqAfter)
      .map(([t, n]) => [t, n - (dlqBefore[t] ?? 0)])
      .filter(([, n]) => (n as number) > 0),
  );

  let quality;
  if (run) {
    const truth = await readGroundTruth(truthFile);
    const report = scoreDetections(
      truth.vehicles,
      collector.tally.maxSeverityByVin,
      run.lastArrivalOffsetMs !== null ? { upToOffsetMs: run.lastArrivalOffsetMs } : {},
    );
    quality = { ...report, table: formatQualityTable(report) };
  }
  await collector.stop();
  await admin.disconnect();
  const holds = customs.holds();
  // Health as of the end of the run: stopping the services is not an outage.
  const health = formatServiceHealth(
    services.map((x) => x.health()),
    { now: Date.now(), startedAt: servicesStartedAt, impact: SERVICE_IMPACT },
  );
  await stopAll();
  say(
    formatSummary({
      elapsedS: (Date.now() - started) / 1000,
      events: run
        ? {
            total: run.counts.total,
            registrations: run.counts.registrations,
            declarations: run.counts.declarations,
            noise: run.counts.noise,
          }
        : { total: 0 },
      alerts: collector.tally,
      cases,
      dlq,
      holds,
      services: health,
      backlog,
      ...(quality ? { quality } : {}),
    }),
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`zmwatch demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
