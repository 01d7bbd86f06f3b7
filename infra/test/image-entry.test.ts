// The image's entry point (infra/src/image/entry.ts), compiled as the image runs it: the argument picks
// the service, an unknown one prints the usage, and the picked program sees its own command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { COMPILED_NODE_FLAGS, compiledPath, REPO_ROOT, SERVICE_MAINS } from '../src/index.js';
import { emitAll } from '../src/emit-js.js';
import { entryFile, IMAGE_COMMANDS } from '../src/image/entry.js';

const ENTRY = join(REPO_ROOT, compiledPath('infra/src/image/entry.ts'));
const entry = (...args: string[]) =>
  spawnSync(process.execPath, [...COMPILED_NODE_FLAGS, ENTRY, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });

test('every service and the CLI, by name, to its compiled main', () => {
  for (const [name, main] of Object.entries(SERVICE_MAINS))
    assert.equal(entryFile(name, '/app'), join('/app', compiledPath(main)));
  assert.equal(entryFile('cli', '/app'), '/app/services/cli/dist/main.js');
  assert.equal(entryFile('toString', '/app'), undefined, 'only its own names');
  assert.deepEqual(Object.keys(IMAGE_COMMANDS).sort(), [...Object.keys(SERVICE_MAINS), 'cli'].sort());
});

test('compiled: no or an unknown command prints the usage (exit 2); `cli --help` runs the CLI', async () => {
  await emitAll();
  for (const args of [[], ['nope']]) {
    const r = entry(...args);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^usage: <image> detector\|escalator\|worker\|console\|insights\|cli/);
  }
  const cli = entry('cli', '--help');
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /zmwatch/);
});
