import { existsSync, readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { brokerList, clientEnv, stackSettings, type StackProfile, type StackSettings } from './settings.js';
import { isAlive, readPid, stopPid, waitFor } from './process.js';
import type { Component, ComponentGroup } from './components/component.js';
import { kafkaComponents } from './components/kafka.js';
import { redisComponents } from './components/redis.js';
import { temporalBinary, temporalComponent } from './components/temporal.js';
import { ensureSearchAttributes } from './temporal-search-attributes.js';
import { ensureRedisCluster } from './redis-cluster.js';
import { ensureTopics, loadTopicSpecs } from '@zmwatch/kit';

export type ComponentName = ComponentGroup;

export function components(s: StackSettings = stackSettings()): Component[] {
  return [...kafkaComponents(s), ...redisComponents(s), temporalComponent(s)];
}

export interface ComponentStatus {
  name: string;
  group: ComponentGroup;
  version: string;
  address: string;
  healthy: boolean;
  detail: string;
  /** `started` = we hold its pid; `external` = healthy but not started by this clone's stack. */
  ownership: 'started' | 'external' | 'none';
  log: string;
}

export interface StackOptions {
  profile?: StackProfile;
  only?: ComponentName[];
}

const log = (msg: string) => process.stderr.write(`zmwatch: ${msg}\n`);

function lastLines(file: string, n: number): string {
  if (!existsSync(file)) return '(no log yet)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
}

const selected = (opts: StackOptions) => (c: Component) => !opts.only || opts.only.includes(c.group);

/** Idempotent: installs what is missing, starts what is not healthy, waits for real health, creates topics. */
export async function stackUp(opts: StackOptions & { timeoutMs?: number } = {}): Promise<ComponentStatus[]> {
  const s = stackSettings(opts.profile);
  const specs = loadTopicSpecs(undefined, s.profile); // validate before starting anything
  const chosen = components(s).filter(selected(opts));
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
        () => (c.answers ? c.answers() : c.health()),
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
    log(`${c.name} answers (${Date.now() - t0} ms)`);
  }
  if (chosen.some((c) => c.group === 'temporal'))
    log(`temporal: ${await ensureSearchAttributes(temporalBinary(s), `${s.host}:${s.temporalPort}`)}`);
  if (s.redisNodes.length > 1 && chosen.some((c) => c.group === 'redis'))
    log(`redis: ${await ensureRedisCluster(s, log)}`);
  if (chosen.some((c) => c.group === 'kafka')) {
    const kafka = new Kafka({
      clientId: 'zmwatch-stack',
      brokers: brokerList(s),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // The broker answers metadata before its controller accepts topic creation (and, on the
      // cluster profile, before every broker has registered for RF 3); retry briefly.
      const r = await waitFor('kafka topics', () => ensureTopics(admin, specs), 60_000);
      log(`topics: ${r.created.length} created, ${r.verified.length} verified`);
    } finally {
      await admin.disconnect();
    }
  }
  return stackStatus(s.profile);
}

export async function stackStatus(profile: StackProfile = 'single'): Promise<ComponentStatus[]> {
  return Promise.all(
    components(stackSettings(profile)).map(async (c) => {
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
        group: c.group,
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
export async function stackDown(opts: StackOptions = {}): Promise<Array<{ name: string; result: string }>> {
  const out: Array<{ name: string; result: string }> = [];
  // Reverse start order: Temporal and Redis before Kafka.
  for (const c of components(stackSettings(opts.profile)).filter(selected(opts)).reverse())
    out.push({ name: c.name, result: await stopPid(c.pidFile) });
  return out;
}

export { clientEnv, stackSettings };
