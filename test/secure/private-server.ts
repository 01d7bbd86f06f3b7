import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  REPO_ROOT,
  stackSettings,
  stopPid,
  waitFor,
  readPid,
  isAlive,
  type Component,
  type StackSettings,
} from '@zmwatch/infra';

/** Settings of a throw-away run dir (data, conf, logs, pids) under .zmwatch, with the shared binary cache. */
export function privateSettings(name: string): StackSettings {
  mkdirSync(join(REPO_ROOT, '.zmwatch'), { recursive: true });
  const runDir = mkdtempSync(join(REPO_ROOT, '.zmwatch', `${name}-`));
  return { ...stackSettings('single'), runDir };
}

/**
 * Starts one infra component in its own run dir and waits until it is healthy; `stop` ends that
 * process (by its pid file) and deletes the run dir. A failed start stops and deletes too.
 */
export async function startPrivate(
  s: StackSettings,
  c: Component,
  timeoutMs: number,
): Promise<{ stop(): Promise<void> }> {
  const stop = async () => {
    await stopPid(c.pidFile, 10_000);
    rmSync(s.runDir, { recursive: true, force: true });
  };
  try {
    await c.install();
    await c.start();
    const dead = () => {
      const pid = readPid(c.pidFile);
      return pid === undefined || !isAlive(pid);
    };
    await waitFor(`${c.name} on ${c.address()}`, () => c.health(), timeoutMs, dead);
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}
