import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadTopicSpecs } from '@zmwatch/kit';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

// A private stack (own ports and run dir) so killing its servers cannot disturb other suites.
const runDir = mkdtempSync(join(tmpdir(), 'zm-stack-'));
const env = {
  ...process.env,
  ZM_RUN_DIR: runDir,
  ZM_KAFKA_PORT: '29092',
  ZM_KAFKA_CONTROLLER_PORT: '29093',
  ZM_REDIS_PORT: '26379',
  ZM_TEMPORAL_PORT: '27233',
  ZM_TEMPORAL_UI_PORT: '28233',
  ZM_TEMPORAL_HTTP_PORT: '27243',
};

async function stack(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('node', ['--import', 'tsx', MAIN, ...args], { env, timeout: 180_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

type Row = { name: string; healthy: boolean; ownership: string; log: string };
const rows = (stdout: string) => JSON.parse(stdout) as Row[];
const row = (all: Row[], name: string) => all.find((r) => r.name === name)!;

test(
  'stack: status names a dead component, up brings it back, down stops only what it started',
  { timeout: 300_000 },
  async (t) => {
    t.after(async () => {
      await stack('down');
      rmSync(runDir, { recursive: true, force: true });
    });

    const up = await stack('up', 'kafka', 'redis', '--json');
    assert.equal(up.code, 0, up.stderr);
    assert.ok(row(rows(up.stdout), 'kafka').healthy && row(rows(up.stdout), 'redis').healthy);
    assert.match(up.stderr, new RegExp(`topics: ${loadTopicSpecs().length} created`));

    const again = await stack('up', 'kafka', 'redis', '--json');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /kafka already healthy/, 'up is idempotent');
    assert.match(again.stderr, new RegExp(`topics: 0 created, ${loadTopicSpecs().length} verified`));

    await stack('down', 'redis');
    const status = await stack('status', '--json');
    assert.equal(status.code, 1, 'status exits non-zero when a component is down');
    const after = rows(status.stdout);
    assert.equal(row(after, 'redis').healthy, false);
    assert.equal(row(after, 'kafka').healthy, true);
    const table = await stack('status');
    assert.match(table.stdout, /redis\s+DOWN/);
    assert.match(table.stdout, /log: .*redis\.log/, 'the table points at the dead component’s log');

    const back = await stack('up', 'redis', '--json');
    assert.equal(back.code, 0, back.stderr);
    assert.equal(row(rows(back.stdout), 'redis').healthy, true);
    assert.equal(row(rows(back.stdout), 'redis').ownership, 'started');

    const down = await stack('down', '--json');
    assert.deepEqual(
      (JSON.parse(down.stdout) as Array<{ name: string; result: string }>).map(
        (d) => `${d.name}:${d.result}`,
      ),
      ['temporal:not-running', 'redis:stopped', 'kafka:stopped'],
    );
  },
);
