// No production package exports test or bench code: no `exports` target of a workspace package (other
// than the test and bench packages themselves) resolves into a test/ or bench/ folder, and none is a
// `./testing` or `./bench` entry. The entries still left are listed by name below (issue 22: they move
// to a @zmwatch/test-support package); the list must shrink, never grow, so the test fails on a new
// one and on a moved one that is still listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NOT_PRODUCTION = new Set(['@zmwatch/test', '@zmwatch/bench']);

const STILL_EXPORTED = [
  '@zmwatch/detector ./testing -> ./test/support/stack.ts',
  '@zmwatch/insights ./testing -> ./dist/testing.js, ./src/testing.ts',
  '@zmwatch/schemas ./testing -> ./dist/testing.js, ./src/testing.ts',
  '@zmwatch/workflows ./testing -> ./dist/testing.js, ./src/testing.ts',
];

/** The workspace's package folders (pnpm-workspace.yaml: plain folders and `dir/*`). */
function packageDirs(): string[] {
  const yaml = readFileSync(join(ROOT, 'pnpm-workspace.yaml'), 'utf8');
  const globs = [...yaml.matchAll(/^\s+-\s+(\S+)\s*$/gm)].map((m) => m[1]!);
  return globs.flatMap((g) =>
    g.endsWith('/*')
      ? readdirSync(join(ROOT, g.slice(0, -2)), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => join(g.slice(0, -2), d.name))
      : [g],
  );
}

/** Every file target of an `exports` value (a string, or nested condition objects). */
const targets = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(targets) : [];

test('no production package exports test or bench code', () => {
  const found: string[] = [];
  let packages = 0;
  for (const dir of packageDirs()) {
    let pkg: { name: string; exports?: Record<string, unknown> | string };
    try {
      pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as typeof pkg;
    } catch {
      continue; // a folder without a package
    }
    if (NOT_PRODUCTION.has(pkg.name)) continue;
    packages++;
    const exports = typeof pkg.exports === 'string' ? { '.': pkg.exports } : (pkg.exports ?? {});
    for (const [entry, value] of Object.entries(exports)) {
      const files = targets(value);
      const bad =
        /^\.\/(testing|bench)$/.test(entry) || files.some((f) => /(^|\/)(test|tests|bench)\//.test(f));
      if (bad) found.push(`${pkg.name} ${entry} -> ${files.join(', ')}`);
    }
  }
  assert.ok(packages >= 10, `the workspace's packages are read (${packages})`);
  assert.deepEqual(found.sort(), STILL_EXPORTED);
});
