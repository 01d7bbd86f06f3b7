import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import type { StackSettings } from '../settings.js';
import { runStep, spawnDetached, which } from '../process.js';
import type { Component } from './component.js';

export async function installRedis(): Promise<void> {
  // Debian's redis-server depends on redis-tools, which brings redis-cli (the cluster profile uses it).
  if (which('redis-server') && which('redis-cli')) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  runStep('apt-get update (to install redis-server)', 'apt-get', ['update', '-qq'], env);
  runStep(
    "installing Debian's redis-server",
    'apt-get',
    ['install', '-y', '-qq', '--no-install-recommends', 'redis-server', 'redis-tools'],
    env,
  );
}

/** One PING (and, with `command`, one more command) on a fresh connection; throws when it does not answer. */
export async function redisProbe(
  host: string,
  port: number,
  command?: [string, ...string[]],
  auth: { username?: string; password?: string } = {},
): Promise<string> {
  const redis = new Redis({
    host,
    port,
    ...auth,
    lazyConnect: true,
    connectTimeout: 1500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const pong = await redis.ping();
    if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
    if (!command) return 'PONG';
    return String(await redis.call(...command));
  } finally {
    redis.disconnect();
  }
}

export interface RedisNodeOptions {
  /** Component name and file stem (`redis`, `redis-3`). */
  name: string;
  port: number;
  /** A Redis Cluster node on this cluster-bus port (absent: standalone). */
  clusterBusPort?: number;
  /** More redis.conf lines (ACL users of a test server). */
  extraConf?: string[];
}

export function redisNodeComponent(s: StackSettings, o: RedisNodeOptions): Component {
  const dataDir = join(s.runDir, 'data', o.name);
  const confFile = join(s.runDir, 'conf', `${o.name}.conf`);
  const cluster = o.clusterBusPort !== undefined;
  return {
    name: o.name,
    group: 'redis',
    logFile: join(s.runDir, 'logs', `${o.name}.log`),
    pidFile: join(s.runDir, 'run', `${o.name}.pid`),
    version() {
      const bin = which('redis-server');
      if (!bin) return 'redis-server (not installed)';
      const out = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout;
      return `Redis ${/v=([\d.]+)/.exec(out)?.[1] ?? '?'} (Debian redis-server)${cluster ? ', cluster node' : ''}`;
    },
    address: () => `${s.host}:${o.port}`,
    install: installRedis,
    async start() {
      mkdirSync(dataDir, { recursive: true });
      mkdirSync(join(s.runDir, 'conf'), { recursive: true });
      writeFileSync(
        confFile,
        [
          `bind ${s.host}`,
          `port ${o.port}`,
          'protected-mode yes',
          `dir ${dataDir}`,
          'daemonize no',
          // Detector state must survive a restart: committed Kafka offsets assume it is durable.
          'appendonly yes',
          'appendfsync everysec',
          // The AOF is what a restart loads; an RDB snapshot as well forked and rewrote the whole
          // dataset every minute under the demo's writes (issue 21), for nothing a restart reads.
          'save ""',
          'maxmemory-policy noeviction',
          'loglevel notice',
          ...(cluster
            ? [
                'cluster-enabled yes',
                'cluster-config-file nodes.conf',
                `cluster-port ${o.clusterBusPort}`,
                // A dead master is replaced by its replica after this long (the fault tests wait for it).
                'cluster-node-timeout 3000',
                // Keep serving the slots that are covered while one master fails over.
                'cluster-require-full-coverage no',
              ]
            : []),
          ...(o.extraConf ?? []),
          '',
        ].join('\n'),
      );
      spawnDetached('redis-server', [confFile], { logFile: this.logFile, pidFile: this.pidFile });
    },
    answers: () => redisProbe(s.host, o.port),
    async health() {
      if (!cluster) return redisProbe(s.host, o.port);
      const info = await redisProbe(s.host, o.port, ['CLUSTER', 'INFO']);
      const state = /cluster_state:(\w+)/.exec(info)?.[1];
      const known = /cluster_known_nodes:(\d+)/.exec(info)?.[1];
      if (state !== 'ok') throw new Error(`cluster_state ${state ?? '?'} (${known ?? '?'} nodes known)`);
      const role = /role:(\w+)/.exec(await redisProbe(s.host, o.port, ['INFO', 'replication']))?.[1];
      return `cluster ok, ${known} nodes, ${role === 'slave' ? 'replica' : (role ?? '?')}`;
    },
  };
}

/** The profile's Redis: one server (`redis`) or, on the cluster profile, nodes `redis-1`…`redis-6`. */
export function redisComponents(s: StackSettings): Component[] {
  if (s.redisNodes.length === 1)
    return [redisNodeComponent(s, { name: 'redis', port: s.redisNodes[0]!.port })];
  return s.redisNodes.map((n, i) =>
    redisNodeComponent(s, {
      name: `redis-${i + 1}`,
      port: n.port,
      ...(n.busPort !== undefined ? { clusterBusPort: n.busPort } : {}),
    }),
  );
}
