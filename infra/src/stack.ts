import { existsSync, readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { clientEnv, stackSettings, type StackSettings } from './settings.js';
import { isAlive, readPid, stopPid, waitFor } from './process.js';
import type { Component } from './components/component.js';
import { kafkaComponent } from './components/kafka.js';
import { redisComponent } from './components/redis.js';
import { temporalComponent } from './components/temporal.js';
import { ensureTopics, loadTopicSpecs } from './topics.js';

export type ComponentName = Component['name'];

export function components(s: StackSettings = stackSettings()): Component[] {
  return [kafkaComponent(s), redisComponent(s), temporalComponent(s)];
}

export interface ComponentStatus {
  name: ComponentName;
  version: string;
  address: string;
  healthy: boolean;
  detail: string;
  /** `started` = we hold its pid; `external` = healthy but not started by this clone's stack. */
  ownership: 'started' | 'external' | 'none';
  log: string;
}

const log = (msg: string) => process.stderr.write(`zmwatch: ${msg}\n`);

function lastLines(file: string, n: number): string {
  if (!existsSync(file)) return '(no log yet)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
}

/** Idempotent: installs what is missing, starts what is not healthy, waits for real health, creates topics. */
export async function stackUp(
  opts: { only?: ComponentName[]; timeoutMs?: number } = {},
): Promise<ComponentStatus[]> {
  const s = stackSettings();
  const specs = loadTopicSpecs(); // validate before starting anything
  const chosen = components(s).filter((c) => !opts.only || opts.only.includes(c.name));
  for (const c of chosen) await c.install();
  for (const c of chosen) {
    const up = await c.health().then(
      () => true,
      () => false,
    );
    if (up) {
      log(`${c.name} already healthy at ${c.address()}`);
      continue;
    }
    const pid = readPid(c.pidFile);
    if (pid !== undefined && isAlive(pid)) {
      log(`${c.name} (pid ${pid}) is running but not healthy yet; waiting`);
    } else {
      log(`starting ${c.name} at ${c.address()} (log: ${c.logFile})`);
      await c.start();
    }
  }
  for (const c of chosen) {
    const t0 = Date.now();
    try {
      await waitFor(
        `${c.name}`,
        () => c.health(),
        opts.timeoutMs ?? 90_000,
        () => {
          const pid = readPid(c.pidFile);
          return pid !== undefined && !isAlive(pid);
        },
      );
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\n  log: ${c.logFile}\n  last lines:\n${lastLines(c.logFile, 15).replace(/^/gm, '    ')}`,
      );
    }
    log(`${c.name} healthy (${Date.now() - t0} ms)`);
  }
  if (chosen.some((c) => c.name === 'kafka')) {
    const kafka = new Kafka({
      clientId: 'zmwatch-stack',
      brokers: [`${s.host}:${s.kafkaPort}`],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // The broker answers metadata before its controller accepts topic creation; retry briefly.
      const r = await waitFor('kafka topics', () => ensureTopics(admin, specs), 30_000);
      log(`topics: ${r.created.length} created, ${r.verified.length} verified`);
    } finally {
      await admin.disconnect();
    }
  }
  return stackStatus();
}

export async function stackStatus(): Promise<ComponentStatus[]> {
  return Promise.all(
    components().map(async (c) => {
      const pid = readPid(c.pidFile);
      const ours = pid !== undefined && isAlive(pid);
      let healthy = false;
      let detail: string;
      try {
        detail = await c.health();
        healthy = true;
      } catch (err) {
        detail = ours
          ? `process ${pid} alive but unhealthy: ${(err as Error).message}`
          : `down: ${(err as Error).message}`;
      }
      return {
        name: c.name,
        version: c.version(),
        address: c.address(),
        healthy,
        detail: detail.split('\n')[0]!.slice(0, 120),
        ownership: ours ? 'started' : healthy ? 'external' : 'none',
        log: c.logFile,
      } satisfies ComponentStatus;
    }),
  );
}

/** Stops only the processes this clone's stack started (those with a live pid file). */
export async function stackDown(
  opts: { only?: ComponentName[] } = {},
): Promise<Array<{ name: ComponentName; result: string }>> {
  const out: Array<{ name: ComponentName; result: string }> = [];
  // Reverse start order: Temporal and Redis before Kafka.
  for (const c of components().reverse()) {
    if (opts.only && !opts.only.includes(c.name)) continue;
    out.push({ name: c.name, result: await stopPid(c.pidFile) });
  }
  return out;
}

export { clientEnv, stackSettings };
