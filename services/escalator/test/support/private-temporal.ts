import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from '@zmwatch/test-support/free-port';

const REPO_ROOT = new URL('../../../../', import.meta.url);
const TEMPORAL_BIN = join(
  process.env.ZM_CACHE_DIR || join(homedir(), '.cache', 'zmwatch'),
  'temporal-1.5.1',
  'bin',
  'temporal',
);

/** The `--search-attribute` flags of the shared dev server (infra/temporal/search-attributes.yaml). */
function searchAttributeFlags(): string[] {
  const text = readFileSync(new URL('infra/temporal/search-attributes.yaml', REPO_ROOT), 'utf8');
  return text
    .split('\n')
    .map((l) => /^(\w+):\s*(\w+)\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .flatMap((m) => ['--search-attribute', `${m[1]}=${m[2]}`]);
}

/**
 * A Temporal dev server of the test's own (own port, own sqlite file), so a test can kill and
 * restart it without touching the shared one. `kill()` is SIGKILL: nothing is flushed gracefully.
 */
export async function startPrivateTemporal() {
  const dir = mkdtempSync(join(tmpdir(), 'zm-temporal-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let log = '';

  async function up(): Promise<void> {
    child = spawn(
      TEMPORAL_BIN,
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--headless',
        '--db-filename',
        join(dir, 'temporal.sqlite'),
        '--log-level',
        'error',
        ...searchAttributeFlags(),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`private temporal exited ${child.exitCode}: ${log}`);
      try {
        const c = await Connection.connect({ address, connectTimeout: 1_000 });
        await c.healthService.check({});
        await c.close();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`private temporal not healthy after 30s: ${log}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  async function kill(): Promise<void> {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  }

  await up();
  return {
    address,
    port,
    kill,
    /** Starts the server again on the same port and sqlite file. */
    restart: up,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
