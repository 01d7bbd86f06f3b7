// The README's main command: stack up, pipeline running, simulator streaming, console URL printed;
// Ctrl-C (or --duration) prints a summary with precision and recall against the ground truth.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ConfigError, consumerGroupLag, createKafka } from '@zmwatch/kit';
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
import { DEMO_METRICS_PORTS, startDemoServices } from './demo-services.js';
import { createDemoLog } from './demo-log.js';
import { describePolicy } from './restart-policy.js';
import { formatServiceHealth } from './service-report.js';
import { SERVICE_IMPACT } from './services.js';
import { formatSummary } from './summary.js';
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

  const pipeline = await startDemoServices({
    env,
    consolePort: config.consolePort,
    runDir: s.runDir,
    logDir,
    report: (t) => say(`\n${t}`),
  });
  const { services, consoleUrl } = pipeline;
  const ports = DEMO_METRICS_PORTS;

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
  const holds = pipeline.holds();
  // Health as of the end of the run: stopping the services is not an outage.
  const health = formatServiceHealth(
    services.map((x) => x.health()),
    { now: Date.now(), startedAt: pipeline.startedAt, impact: SERVICE_IMPACT },
  );
  await pipeline.stop();
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
