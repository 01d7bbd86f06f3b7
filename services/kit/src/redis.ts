import { Cluster, Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import { parseEnv } from './config.js';
import { ConfigError } from './errors.js';
import { DEFAULT_PORTS } from './ports.js';
import { readTlsFiles, tlsFileVars, tlsFilesOf, type TlsFiles } from './tls-files.js';

/** Where and how to reach Redis: one server or a Redis Cluster, with an ACL user and TLS. */
export interface RedisConnection {
  /** A standalone server (`redis://` or `rediss://`); exactly one of `url` and `clusterNodes`. */
  url?: string | undefined;
  /** Seed nodes of a Redis Cluster (any of its nodes; the client discovers the rest). */
  clusterNodes?: Array<{ host: string; port: number }> | undefined;
  /** ACL user (Redis 6+); absent: `default`. */
  username?: string | undefined;
  password?: string | undefined;
  tls?: TlsFiles | undefined;
  /**
   * Replicas each state write waits for (Redis WAIT) before it counts as durable: replication is
   * asynchronous, so a master that dies right after acknowledging would otherwise take the write
   * with it while its replica takes over. 0 or absent: do not wait (a standalone server).
   */
  waitReplicas?: number | undefined;
}

export type RedisClient = Redis | Cluster;

const optional = <T extends z.ZodType>(t: T) => z.preprocess((v) => (v === '' ? undefined : v), t.optional());

/**
 * The Redis variables, spelled once for every service: spread into a service's env schema and map
 * the parsed values with `redisConnection`.
 *   ZM_REDIS_URL            redis://host:port (or rediss:// for TLS) of one server
 *   ZM_REDIS_CLUSTER_NODES  host:port,host:port,… of a Redis Cluster (instead of ZM_REDIS_URL)
 *   ZM_REDIS_USERNAME / ZM_REDIS_PASSWORD   ACL user (override the URL's)
 *   ZM_REDIS_TLS=true, ZM_REDIS_TLS_CA_FILE, ZM_REDIS_TLS_CERT_FILE, ZM_REDIS_TLS_KEY_FILE
 *   ZM_REDIS_WAIT_REPLICAS  replicas a state write waits for (default 0)
 */
export const redisEnv = {
  ZM_REDIS_URL: optional(
    z
      .string()
      .url()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://'),
  ),
  ZM_REDIS_CLUSTER_NODES: optional(
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'host:port')).min(1, 'needs at least one host:port'),
      ),
  ),
  ZM_REDIS_USERNAME: optional(z.string().min(1)),
  ZM_REDIS_PASSWORD: optional(z.string().min(1)),
  ZM_REDIS_TLS: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  ...tlsFileVars('ZM_REDIS_TLS'),
  ZM_REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(5).default(0),
};

export const DEFAULT_REDIS_URL = `redis://127.0.0.1:${DEFAULT_PORTS.redis}`;

type RedisEnv = z.infer<z.ZodObject<typeof redisEnv>>;

/** The connection the parsed variables describe; ConfigError when they contradict each other. */
export function redisConnection(e: RedisEnv): RedisConnection {
  if (e.ZM_REDIS_URL !== undefined && e.ZM_REDIS_CLUSTER_NODES !== undefined)
    throw new ConfigError(
      'set ZM_REDIS_URL (one server) or ZM_REDIS_CLUSTER_NODES (a Redis Cluster), not both',
    );
  const tls = tlsFilesOf('ZM_REDIS_TLS', e.ZM_REDIS_TLS, e);
  const conn: RedisConnection = {};
  if (e.ZM_REDIS_WAIT_REPLICAS > 0) conn.waitReplicas = e.ZM_REDIS_WAIT_REPLICAS;
  if (e.ZM_REDIS_CLUSTER_NODES) {
    conn.clusterNodes = e.ZM_REDIS_CLUSTER_NODES.map((n) => {
      const at = n.lastIndexOf(':');
      return { host: n.slice(0, at), port: Number(n.slice(at + 1)) };
    });
  } else conn.url = e.ZM_REDIS_URL ?? DEFAULT_REDIS_URL;
  if (e.ZM_REDIS_USERNAME !== undefined) conn.username = e.ZM_REDIS_USERNAME;
  if (e.ZM_REDIS_PASSWORD !== undefined) conn.password = e.ZM_REDIS_PASSWORD;
  if (tls) conn.tls = tls;
  return conn;
}

/** Where a connection points, for logs and errors (no credentials). */
export function describeRedis(c: RedisConnection): string {
  const where = c.clusterNodes
    ? `cluster ${c.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`
    : (c.url ?? '').replace(/\/\/[^@/]*@/, '//');
  return `${where}${c.username ? ` as ${c.username}` : ''}${c.tls ? ' (TLS)' : ''}`;
}

export interface CreateRedisOptions {
  connectionName?: string;
  /** Do not connect until `connect()` (default true: nothing connects at import or construction). */
  lazyConnect?: boolean;
  /** Per command, on a connection that dropped (ioredis's `maxRetriesPerRequest`). */
  maxRetriesPerRequest?: number | null;
  /** Reconnect delay after the n-th failure; null stops reconnecting. */
  retryStrategy?: (times: number) => number | null;
}

/**
 * The one place that creates Redis clients: an ioredis `Redis` for one server or a `Cluster` for
 * Redis Cluster nodes, with the ACL user and TLS of the connection. On a Cluster, commands follow
 * MOVED/ASK redirections and, while a dead master's replica takes over, retry on the new
 * topology; callers see an error only when that lasts longer than the retries (~2 s), and retry
 * their batch as for any Redis outage.
 */
export function createRedis(c: RedisConnection, o: CreateRedisOptions = {}): RedisClient {
  const tls = c.tls ? readTlsFiles(c.tls) : undefined;
  const node: RedisOptions = {
    ...(c.username !== undefined ? { username: c.username } : {}),
    ...(c.password !== undefined ? { password: c.password } : {}),
    ...(tls ? { tls } : {}),
    ...(o.connectionName !== undefined ? { connectionName: o.connectionName } : {}),
    ...(o.maxRetriesPerRequest !== undefined ? { maxRetriesPerRequest: o.maxRetriesPerRequest } : {}),
  };
  const lazyConnect = o.lazyConnect ?? true;
  if (c.clusterNodes) {
    return new Cluster(c.clusterNodes, {
      redisOptions: node,
      lazyConnect,
      ...(o.retryStrategy ? { clusterRetryStrategy: o.retryStrategy } : {}),
      // A failover takes a few seconds (cluster-node-timeout + election): retry redirections
      // and "cluster down" answers for about two seconds before failing the command.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      maxRedirections: 10,
      slotsRefreshTimeout: 2000,
      // Writes and the reads they depend on go to masters only (replicas lag).
      scaleReads: 'master',
    });
  }
  return new Redis(c.url!, {
    ...node,
    lazyConnect,
    ...(o.retryStrategy ? { retryStrategy: o.retryStrategy } : {}),
  });
}

/** True for a Redis Cluster client (a command's keys must then share one slot). */
export const isRedisCluster = (redis: RedisClient): redis is Cluster => (redis as Cluster).isCluster === true;

/**
 * Runs groups of commands whose keys share a slot within each group. One server: one pipeline,
 * one round trip. A Cluster: one pipeline per group, all sent at once (ioredis sends a cluster
 * pipeline to a single node, so a pipeline mixing slots of different masters would be refused).
 * Results in the order the groups queued them; null when a pipeline was discarded.
 */
export async function execSlotGroups(
  redis: RedisClient,
  groups: ReadonlyArray<(p: ChainableCommander) => void>,
): Promise<Array<[Error | null, unknown]> | null> {
  if (!isRedisCluster(redis)) {
    const p = redis.pipeline();
    for (const g of groups) g(p);
    return p.exec();
  }
  const results = await Promise.all(
    groups.map((g) => {
      const p = redis.pipeline();
      g(p);
      return p.length === 0 ? Promise.resolve([]) : p.exec();
    }),
  );
  return results.some((r) => r === null) ? null : results.flatMap((r) => r!);
}

/** The connection an environment describes (a service's own schema spreads `redisEnv` instead). */
export const loadRedisConnection = (env: NodeJS.ProcessEnv): RedisConnection =>
  redisConnection(parseEnv(z.object(redisEnv), env));
