import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { parse } from 'yaml';
import { REPO_ROOT, VERSIONS, type StackSettings } from '../settings.js';
import { runStep, spawnDetached } from '../process.js';
import type { Component } from './component.js';

const ATTRIBUTE_TYPES = new Set(['Keyword', 'Text', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList']);

/** The custom search attributes the workflows need, from infra/temporal/search-attributes.yaml. */
export function searchAttributes(): Record<string, string> {
  const file = join(REPO_ROOT, 'infra', 'temporal', 'search-attributes.yaml');
  const parsed = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string' || !ATTRIBUTE_TYPES.has(v))
      throw new Error(
        `${file}: ${k} has type ${String(v)}; expected one of ${[...ATTRIBUTE_TYPES].join(', ')}`,
      );
  }
  return parsed as Record<string, string>;
}

/**
 * SQLite settings of the dev server's store. Its default is a rollback journal with `synchronous=FULL`:
 * every transaction (each workflow task, signal, timer, visibility row) waits for fsyncs, which at the
 * demo's 200 events/s kept the server's threads in I/O wait (the load average counts them) and its
 * visibility tens of seconds behind. A write-ahead log with `synchronous=NORMAL` syncs only at
 * checkpoints; a crash of the process loses nothing, a power cut at most the last transactions, which
 * is fine for a development store (bench/README.md "The whole stack under the demo's load").
 */
export const TEMPORAL_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'] as const;

/**
 * Dynamic config of the dev server: one partition per task queue (default 4). With one case worker
 * the 4 partitions only add forwarding between them and polls spread over them; one partition is what
 * a single-node development server needs (bench/README.md "Third round").
 */
export const TEMPORAL_DEV_DYNAMIC_CONFIG = [
  'matching.numTaskqueueReadPartitions=1',
  'matching.numTaskqueueWritePartitions=1',
] as const;
/**
 * Go's garbage collector runs at twice the live heap instead of at its default 100% growth: fewer
 * collections for a server that allocates per request; its resident memory grows by about its live
 * heap (tens of MB).
 */
export const TEMPORAL_DEV_GOGC = '200';

export function temporalBinary(s: StackSettings): string {
  return join(s.cacheDir, `temporal-${VERSIONS.temporalCli}`, 'bin', 'temporal');
}

export function temporalComponent(s: StackSettings): Component {
  const bin = temporalBinary(s);
  return {
    name: 'temporal',
    group: 'temporal',
    logFile: join(s.runDir, 'logs', 'temporal.log'),
    pidFile: join(s.runDir, 'run', 'temporal.pid'),
    version: () => `Temporal CLI v${VERSIONS.temporalCli} dev server (Server 1.29.1, UI 2.42.1)`,
    address: () => `${s.host}:${s.temporalPort} (UI http://${s.host}:${s.temporalUiPort})`,
    async install() {
      if (existsSync(bin)) return;
      // v1.5.1: later tags carry a replace directive that `go install` refuses.
      runStep(
        `building the Temporal CLI v${VERSIONS.temporalCli} with go install (first run only; about 3-5 minutes)`,
        'go',
        ['install', `github.com/temporalio/cli/cmd/temporal@v${VERSIONS.temporalCli}`],
        { ...process.env, GOBIN: join(s.cacheDir, `temporal-${VERSIONS.temporalCli}`, 'bin') },
      );
    },
    async start() {
      const dataDir = join(s.runDir, 'data');
      mkdirSync(dataDir, { recursive: true });
      const attrs = Object.entries(searchAttributes()).flatMap(([k, v]) => [
        '--search-attribute',
        `${k}=${v}`,
      ]);
      spawnDetached(
        bin,
        [
          'server',
          'start-dev',
          '--ip',
          s.host,
          '--port',
          String(s.temporalPort),
          '--ui-port',
          String(s.temporalUiPort),
          '--http-port',
          String(s.temporalHttpPort),
          '--db-filename',
          join(dataDir, 'temporal.sqlite'),
          '--log-level',
          'warn',
          ...TEMPORAL_SQLITE_PRAGMAS.flatMap((p) => ['--sqlite-pragma', p]),
          ...TEMPORAL_DEV_DYNAMIC_CONFIG.flatMap((v) => ['--dynamic-config-value', v]),
          ...attrs,
        ],
        {
          logFile: this.logFile,
          pidFile: this.pidFile,
          env: { ...process.env, GOGC: process.env.GOGC ?? TEMPORAL_DEV_GOGC },
        },
      );
    },
    async health() {
      if (!existsSync(bin)) throw new Error(`not installed (${bin}); \`stack up\` builds it with go install`);
      const out = await new Promise<string>((resolve, reject) => {
        const p = spawn(
          bin,
          [
            'operator',
            'cluster',
            'health',
            '--address',
            `${s.host}:${s.temporalPort}`,
            '--command-timeout',
            '3s',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let text = '';
        p.stdout.on('data', (d: Buffer) => (text += d.toString()));
        p.stderr.on('data', (d: Buffer) => (text += d.toString()));
        p.on('error', reject);
        p.on('close', (code) =>
          code === 0 && /SERVING/.test(text)
            ? resolve(text.trim())
            : reject(new Error(text.trim() || `exit ${code}`)),
        );
      });
      return out.split('\n').pop() ?? out;
    },
  };
}
