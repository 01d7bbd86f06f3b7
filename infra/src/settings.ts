import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORTS } from '@zmwatch/kit';

/** Versions are pinned here and nowhere else; caches are keyed by them. */
export const VERSIONS = {
  kafka: '4.4.0',
  redisPackage: 'redis-server (Debian)',
  temporalCli: '1.5.1',
} as const;

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function portVar(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535)
    throw new Error(`${name} must be a TCP port, got "${raw}"`);
  return n;
}

export interface StackSettings {
  host: string;
  kafkaPort: number;
  kafkaControllerPort: number;
  redisPort: number;
  temporalPort: number;
  temporalUiPort: number;
  temporalHttpPort: number;
  /** Downloads and builds, shared by every clone on the machine. */
  cacheDir: string;
  /** Runtime data, logs and pid files of this clone (git-ignored). */
  runDir: string;
}

/** Loopback addresses and folders; each port can be moved with a ZM_* variable. */
export function stackSettings(): StackSettings {
  return {
    host: '127.0.0.1',
    kafkaPort: portVar('ZM_KAFKA_PORT', DEFAULT_PORTS.kafka),
    kafkaControllerPort: portVar('ZM_KAFKA_CONTROLLER_PORT', DEFAULT_PORTS.kafkaController),
    redisPort: portVar('ZM_REDIS_PORT', DEFAULT_PORTS.redis),
    temporalPort: portVar('ZM_TEMPORAL_PORT', DEFAULT_PORTS.temporal),
    temporalUiPort: portVar('ZM_TEMPORAL_UI_PORT', DEFAULT_PORTS.temporalUi),
    temporalHttpPort: portVar('ZM_TEMPORAL_HTTP_PORT', DEFAULT_PORTS.temporalHttp),
    cacheDir: process.env.ZM_CACHE_DIR || join(homedir(), '.cache', 'zmwatch'),
    runDir: process.env.ZM_RUN_DIR || join(REPO_ROOT, '.zmwatch'),
  };
}

/** The client-side view of the stack, as environment variables the services read. */
export function clientEnv(s: StackSettings = stackSettings()): Record<string, string> {
  return {
    ZM_KAFKA_BROKERS: `${s.host}:${s.kafkaPort}`,
    ZM_REDIS_URL: `redis://${s.host}:${s.redisPort}`,
    ZM_TEMPORAL_ADDRESS: `${s.host}:${s.temporalPort}`,
    ZM_TEMPORAL_UI_URL: `http://${s.host}:${s.temporalUiPort}`,
  };
}
