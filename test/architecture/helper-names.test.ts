// One naming convention for test helpers (test/support/README.md): code that the tests of a folder
// share lives in a `support/` folder beside them, one file per concept named for what it does;
// recorded data and frozen code the tests read live in `fixtures/`; helpers of more than one package
// live in @zmwatch/test-support. A helper folder or module under another generic name (helpers/,
// helpers.ts, utils, fixtures.ts, support.ts, testing.ts, …) fails here, as does a `testing` module
// in a production package's sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Generic names a helper folder or module must not have (the convention's `support/` aside). */
const OFF_CONVENTION = /^(helpers?|utils?|util|common|test-?utils|test-?helpers|testing|support|fixtures)$/;

const tracked = (): string[] =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f !== '' && !f.includes('node_modules/'));

/** The part of a path below its first `test/` folder (null when it is not in one). */
function inTestTree(path: string): string[] | null {
  const parts = path.split('/');
  const i = parts.indexOf('test');
  return i < 0 ? null : parts.slice(i + 1);
}

/** Why `path` breaks the convention, or null. */
export function offConvention(path: string): string | null {
  const below = inTestTree(path);
  if (below === null) {
    const parts = path.split('/');
    const file = parts.at(-1)!;
    if (parts.includes('src') && /^testing\.[cm]?[jt]s$/.test(file))
      return `${path}: a production package's sources hold no testing module (use @zmwatch/test-support)`;
    return null;
  }
  const folders = below.slice(0, -1);
  for (const folder of folders)
    if (OFF_CONVENTION.test(folder) && folder !== 'support' && folder !== 'fixtures')
      return `${path}: helper folder "${folder}/" (helpers live in support/)`;
  const file = below.at(-1)!;
  const m = /^(.*)\.[cm]?[jt]s$/.exec(file);
  if (m && OFF_CONVENTION.test(m[1]!))
    return `${path}: helper module "${file}" (a file in support/ named for what it does)`;
  return null;
}

test('the convention is checked against real paths', () => {
  const files = tracked();
  assert.ok(files.length > 500, `the repository's files are read (${files.length})`);
  const supportFolders = new Set(
    files
      .filter((f) => inTestTree(f)?.slice(0, -1).includes('support'))
      .map((f) => f.replace(/\/[^/]+$/, '')),
  );
  assert.ok(supportFolders.size >= 8, `support/ folders in use: ${[...supportFolders].join(', ')}`);
});

test('every test helper folder and module follows the naming convention', () => {
  assert.deepEqual(
    tracked()
      .map(offConvention)
      .filter((why) => why !== null),
    [],
  );
});

test('names off the convention are refused, the convention itself is not', () => {
  for (const bad of [
    'services/x/test/helpers/stack.ts',
    'services/x/test/helpers.ts',
    'services/x/test/fixtures.ts',
    'test/e2e/support.ts',
    'test/e2e/utils/kafka.ts',
    'workflows/test/testing.ts',
    'services/x/src/testing.ts',
  ])
    assert.notEqual(offConvention(bad), null, bad);
  for (const good of [
    'services/x/test/support/stack.ts',
    'services/x/test/fixtures/states-v2.json',
    'test/support/vins.ts',
    'test/e2e/support/pipeline.ts',
    'services/x/src/shared.ts',
    'services/x/test/evaluate.test.ts',
  ])
    assert.equal(offConvention(good), null, good);
});
