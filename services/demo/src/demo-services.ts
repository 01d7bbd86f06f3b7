/**
 * The demo's pipeline processes: detector, escalator, case worker, console and insights, each its
 * own supervised process on the demo's fixed ports, plus the fake customs endpoint the worker calls.
 * `infra/bin/demo` and `zmwatch bench load` both start the pipeline through here, so the bench
 * measures exactly what the demo runs.
 */
import { DETECTOR_NODE_FLAGS } from '@zmwatch/detector';
import { DEFAULT_PORTS } from '@zmwatch/kit';
import { startCustomsReceiver } from './customs-receiver.js';
import { SERVICE_MAINS, type ServiceName, type ServiceSpec } from './services.js';
import { superviseService, type SupervisedService } from './supervisor.js';

/** The demo's metrics ports (the console's user-facing port is a setting). */
export const DEMO_METRICS_PORTS = {
  detector: 19464,
  escalator: 19465,
  console: 19466,
  worker: 19467,
} as const;

export interface DemoServicesOptions {
  /** The stack's client environment (clientEnv of the profile). */
  readonly env: Record<string, string | undefined>;
  readonly consolePort: number;
  /** The stack profile's run dir (insights keeps its DuckDB file there). */
  readonly runDir: string;
  readonly logDir: string;
  /** Where deaths and recoveries are reported. */
  readonly report: (text: string) => void;
  /** Extra Node flags for every service (e.g. `--cpu-prof` for a benchmark's profile). */
  readonly extraNodeFlags?: readonly string[];
  /** How long the first start of every service may take. */
  readonly readyTimeoutMs?: number;
}

export interface DemoServices {
  readonly consoleUrl: string;
  readonly services: readonly SupervisedService[];
  /** When the services were first started (Date.now()): outages are reported relative to it. */
  readonly startedAt: number;
  /** Customs holds the case worker requested so far. */
  holds(): number;
  /** Stops every service (each drains and commits) and the customs endpoint. */
  stop(): Promise<void>;
}

export function demoServiceSpecs(o: {
  env: Record<string, string | undefined>;
  consolePort: number;
  runDir: string;
  customsUrl: string;
}): (ServiceSpec & { name: ServiceName })[] {
  const base = { ...o.env, ZM_LOG_LEVEL: 'info' };
  const ports = DEMO_METRICS_PORTS;
  const consoleUrl = `http://127.0.0.1:${o.consolePort}`;
  return [
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
      env: { ...base, ZM_CUSTOMS_URL: o.customsUrl, ZM_WORKER_METRICS_PORT: String(ports.worker) },
      readyUrl: `http://127.0.0.1:${ports.worker}/readyz`,
    },
    {
      name: 'console',
      main: SERVICE_MAINS.console,
      // The console serves /metrics on its own listener, not on the user-facing port (README "Security").
      env: {
        ...base,
        ZM_CONSOLE_PORT: String(o.consolePort),
        ZM_CONSOLE_METRICS_PORT: String(ports.console),
      },
      readyUrl: `${consoleUrl}/healthz`,
    },
    {
      // On its default port, so `zmwatch report` and the console find it without settings.
      name: 'insights',
      main: SERVICE_MAINS.insights,
      env: { ...base, ZM_RUN_DIR: o.runDir },
      readyUrl: `http://127.0.0.1:${DEFAULT_PORTS.insights}/readyz`,
    },
  ];
}

/** Starts every demo service supervised from its first start and waits until all are ready. */
export async function startDemoServices(o: DemoServicesOptions): Promise<DemoServices> {
  const customs = await startCustomsReceiver();
  const startedAt = Date.now();
  const specs = demoServiceSpecs({ ...o, customsUrl: customs.url }).map((spec) =>
    o.extraNodeFlags ? { ...spec, nodeFlags: [...(spec.nodeFlags ?? []), ...o.extraNodeFlags] } : spec,
  );
  // Every service is supervised from its first start: a death is reported at once and the service
  // restarted, while the others keep running (see supervisor.ts).
  const services = specs.map((spec) => superviseService({ spec, logDir: o.logDir, report: o.report }));
  const stop = async () => {
    await Promise.all(services.map((x) => x.stop()));
    await customs.stop();
  };
  try {
    await Promise.all(services.map((x) => x.ready(o.readyTimeoutMs ?? 60_000)));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    consoleUrl: `http://127.0.0.1:${o.consolePort}`,
    services,
    startedAt,
    holds: () => customs.holds(),
    stop,
  };
}
