// infra/bin/registry's CLI on a private instance (127.0.0.1:18087, management 18088, its own folder):
// up is idempotent and leaves a healthy registry it did not start alone, status/env say where it is,
// down stops only what this folder's pid file names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../src/registry-cli.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'zm-registry-cli-'));
const where = ['--port', '18087', '--management-port', '18088', '--dir', dir];

async function registry(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('node', ['--import', 'tsx', CLI, ...args, ...where], { timeout: 300_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('infra/bin/registry: up (idempotent), status, env, down', { timeout: 300_000 }, async () => {
  try {
    const up = await registry('up', '--json');
    assert.equal(up.code, 0, up.stderr);
    const first = JSON.parse(up.stdout) as { url: string; detail: string };
    assert.equal(first.url, 'http://127.0.0.1:18087/apis/ccompat/v7');
    assert.match(first.detail, /Apicurio Registry .*3\.3\.3/);
    const pid = readFileSync(join(dir, 'registry.pid'), 'utf8');

    const subjects = await fetch(`${first.url}/subjects`);
    assert.equal(subjects.status, 200);
    assert.deepEqual(await subjects.json(), []);

    const again = await registry('up', '--json');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(join(dir, 'registry.pid'), 'utf8'), pid, 'a healthy registry is left running');

    const status = await registry('status', '--json');
    assert.equal(status.code, 0);
    assert.equal((JSON.parse(status.stdout) as { healthy: boolean }).healthy, true);
    assert.equal((await registry('env')).stdout.trim(), `export ZM_SCHEMA_REGISTRY_URL=${first.url}`);

    assert.deepEqual(JSON.parse((await registry('down', '--json')).stdout), { result: 'stopped' });
    const after = await registry('status', '--json');
    assert.equal(after.code, 1, 'status exits 1 once it is down');
    assert.equal((JSON.parse(after.stdout) as { healthy: boolean }).healthy, false);
    assert.deepEqual(JSON.parse((await registry('down', '--json')).stdout), { result: 'not-running' });
  } finally {
    await registry('down');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('infra/bin/registry: a bad port is refused before anything starts', async () => {
  const r = await registry('up', '--port', 'eighty');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--port must be a TCP port, got "eighty"/);
});
