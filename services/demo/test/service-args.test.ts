// How the demo starts a service: compiled by default (as production), the sources under tsx on request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { serviceArgs, SERVICE_MAINS } from '../src/services.js';

test('a service starts compiled by default: its dist/main.js under --conditions=production', () => {
  const root = mkdtempSync(join(tmpdir(), 'zm-demo-args-'));
  try {
    const built = join(root, 'services/detector/dist/main.js');
    mkdirSync(dirname(built), { recursive: true });
    writeFileSync(built, '');
    assert.deepEqual(
      serviceArgs({ main: SERVICE_MAINS.detector, nodeFlags: ['--max-semi-space-size=64'] }, root),
      ['--max-semi-space-size=64', '--conditions=production', 'services/detector/dist/main.js'],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('runtime tsx runs the source, as tests and development do', () => {
  assert.deepEqual(serviceArgs({ main: SERVICE_MAINS.console, runtime: 'tsx' }), [
    '--import',
    'tsx',
    'services/console/src/main.ts',
  ]);
});

test('a missing build is named, not started', () => {
  assert.throws(
    () => serviceArgs({ main: 'services/demo/src/no-such-main.ts' }),
    /services\/demo\/dist\/no-such-main\.js is missing: run `pnpm build`/,
  );
});
