import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import type { StackSettings } from '../settings.js';
import { runStep, spawnDetached, which } from '../process.js';
import type { Component } from './component.js';

export function redisComponent(s: StackSettings): Component {
  const dataDir = join(s.runDir, 'data', 'redis');
  const confFile = join(s.runDir, 'conf', 'redis.conf');
  return {
    name: 'redis',
    logFile: join(s.runDir, 'logs', 'redis.log'),
    pidFile: join(s.runDir, 'run', 'redis.pid'),
    version() {
      const bin = which('redis-server');
      if (!bin) return 'redis-server (not installed)';
      const out = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout;
      return `Redis ${/v=([\d.]+)/.exec(out)?.[1] ?? '?'} (Debian redis-server)`;
    },
    address: () => `${s.host}:${s.redisPort}`,
    async install() {
      if (which('redis-server')) return;
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      runStep('apt-get update (to install redis-server)', 'apt-get', ['update', '-qq'], env);
      runStep(
        "installing Debian's redis-server",
        'apt-get',
        ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'],
        env,
      );
    },
    async start() {
      mkdirSync(dataDir, { recursive: true });
      mkdirSync(join(s.runDir, 'conf'), { recursive: true });
      writeFileSync(
        confFile,
        [
          `bind ${s.host}`,
          `port ${s.redisPort}`,
          'protected-mode yes',
          `dir ${dataDir}`,
          'daemonize no',
          // Detector state must survive a restart: committed Kafka offsets assume it is durable.
          'appendonly yes',
          'appendfsync everysec',
          'save 60 1000',
          'maxmemory-policy noeviction',
          'loglevel notice',
          '',
        ].join('\n'),
      );
      spawnDetached('redis-server', [confFile], { logFile: this.logFile, pidFile: this.pidFile });
    },
    async health() {
      const redis = new Redis({
        host: s.host,
        port: s.redisPort,
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
        return 'PONG';
      } finally {
        redis.disconnect();
      }
    },
  };
}
