import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { COMPILED_NODE_FLAGS, compiledPath, REPO_ROOT, SERVICE_MAINS } from '@zmwatch/infra';
import type { ExitInfo } from './service-report.js';

/**
 * One of the pipeline's real processes, started exactly as in production: its main.ts compiled by
 * `pnpm build` (dist/main.js, `node --conditions=production`), or under tsx when `runtime` says so.
 */
export interface ServiceSpec {
  name: string;
  /** The entry point's source (`<package>/src/main.ts`); the compiled file is derived from it. */
  main: string;
  /** `compiled` (the default, as production runs) or `tsx` (the sources, as tests and development). */
  runtime?: ServiceRuntime;
  env: Record<string, string>;
  /** Node/V8 flags before the script (e.g. the detector's heap sizing). */
  nodeFlags?: readonly string[];
  /** Answers 2xx once the service is ready; without one the process counts as ready when spawned. */
  readyUrl?: string;
}

export interface RunningService {
  name: string;
  logFile: string;
  child: ChildProcess;
  /** Resolves once the process has ended, with its exit code or the signal that killed it. */
  exited: Promise<ExitInfo>;
}

/** Each service's entry point (infra's table, which the image's entry point also reads). */
export { SERVICE_MAINS };

export type ServiceName = keyof typeof SERVICE_MAINS;

export type ServiceRuntime = 'compiled' | 'tsx';

/** The node command line (after the node binary) that starts `spec`, relative to the repository `root`. */
export function serviceArgs(
  spec: Pick<ServiceSpec, 'main' | 'runtime' | 'nodeFlags'>,
  root = REPO_ROOT,
): string[] {
  const flags = spec.nodeFlags ?? [];
  if (spec.runtime === 'tsx') return [...flags, '--import', 'tsx', spec.main];
  const compiled = compiledPath(spec.main);
  if (!existsSync(join(root, compiled)))
    throw new Error(`${compiled} is missing: run \`pnpm build\` (or \`pnpm emit\`) first`);
  return [...flags, ...COMPILED_NODE_FLAGS, compiled];
}

/** What a service being down does to the demo's figures (the summary prints it when one died). */
export const SERVICE_IMPACT: Record<ServiceName, string> = {
  detector:
    'alerts may be late or missing; the alert, case and detection-quality figures cover only what it raised before the summary',
  escalator:
    'cases may be late or missing (its alerts wait in the alerts topic); the cases figure may be low',
  worker: 'case workflows may have stalled and customs holds may be missing; cases and holds may be low',
  console: 'the console and its API were unavailable; the pipeline figures are not affected',
  insights:
    'the Insights figures were not updated while it was down (it catches up from its committed offsets); detection is not affected',
};

export function startService(spec: ServiceSpec, logDir: string): RunningService {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `demo-${spec.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, serviceArgs(spec), {
    cwd: REPO_ROOT,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<ExitInfo>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { name: spec.name, logFile, child, exited };
}

/** SIGTERM (each service drains and commits), then SIGKILL after `graceMs`. */
export async function stopService(s: RunningService, graceMs = 15_000): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), graceMs);
  await s.exited;
  clearTimeout(timer);
}

/** True once `url` answers 2xx; false if the process ends first. Polls every 300 ms. */
export async function pollReady(url: string, service: RunningService): Promise<boolean> {
  let ended = false;
  void service.exited.then(() => (ended = true));
  while (!ended) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}
