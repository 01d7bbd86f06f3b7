// A private redis-server on a free loopback port (no persistence), so a bench's INFO figures and
// key space are its own, not those of the shared stack's Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '@zmwatch/test-support/free-port';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface PrivateRedis {
  url: string;
  proc: ChildProcess;
  /** Stops the server (SIGTERM) and removes its directory. */
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'zm-bench-redis-'));
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    proc.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.ping();
      c.disconnect();
      return { url, proc, stop };
    } catch {
      c.disconnect();
      await sleep(50);
    }
  }
  await stop();
  throw new Error('private redis did not start');
}

export const redisCpuSeconds = async (r: Pick<Redis, 'info'>): Promise<number> => {
  const info = await r.info('cpu');
  return Number(/used_cpu_user:([\d.]+)/.exec(info)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)![1]);
};

export const usedMemory = async (r: Redis): Promise<number> =>
  Number(/used_memory:(\d+)/.exec(await r.info('memory'))![1]);

/** One numeric field of INFO memory (0 when this server does not report it). */
export const memoryField = async (r: Redis, name: string): Promise<number> =>
  Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(await r.info('memory'))?.[1] ?? 0);

/** Calls per command since the server started (INFO commandstats), e.g. `evalsha`, `mget`. */
export async function commandCalls(r: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await r.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    out.set(m[1]!, Number(m[2]));
  return out;
}

/** Microseconds of server time per command since the server started (INFO commandstats `usec`). */
export async function commandUsec(r: Pick<Redis, 'info'>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await r.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=\d+,usec=(\d+)/gm))
    out.set(m[1]!, Number(m[2]));
  return out;
}
