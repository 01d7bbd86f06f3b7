import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@zmwatch/infra';

/** One of the pipeline's real processes, started from its own main.ts exactly as in production. */
export interface ServiceSpec {
  name: string;
  main: string;
  env: Record<string, string>;
  /** Node/V8 flags before the script (e.g. the detector's heap sizing). */
  nodeFlags?: readonly string[];
}

export interface RunningService {
  name: string;
  logFile: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export const SERVICE_MAINS = {
  detector: 'services/detector/src/main.ts',
  escalator: 'services/escalator/src/main.ts',
  worker: 'workflows/src/worker-main.ts',
  console: 'services/console/src/main.ts',
} as const;

export function startService(spec: ServiceSpec, logDir: string): RunningService {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `demo-${spec.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [...(spec.nodeFlags ?? []), '--import', 'tsx', join(REPO_ROOT, spec.main)],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', fd, fd],
    },
  );
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
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

/** Polls an HTTP URL until it answers 2xx, or fails naming the service and its log. */
export async function waitReady(url: string, service: RunningService, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (service.child.exitCode !== null)
      throw new Error(`${service.name} exited during start-up; see ${service.logFile}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${service.name} not ready at ${url} after ${timeoutMs / 1000}s; see ${service.logFile}`);
}
