// No production package exports test or bench code: no `exports` target of a workspace package (other
// than the test and bench packages and @zmwatch/test-support, the devDependency that holds fixtures,
// private servers and pipeline helpers) resolves into a test/ or bench/ folder, and none is a
// `./testing` or `./bench` entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NOT_PRODUCTION = new Set(['@zmwatch/test', '@zmwatch/test-support', '@zmwatch/bench']);

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
  assert.deepEqual(found.sort(), []);
});

test('@zmwatch/test-support is only ever a devDependency', () => {
  const users: string[] = [];
  let devUsers = 0;
  for (const dir of packageDirs()) {
    let pkg: {
      name: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    try {
      pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as typeof pkg;
    } catch {
      continue;
    }
    if (pkg.dependencies?.['@zmwatch/test-support'] !== undefined) users.push(pkg.name);
    if (pkg.devDependencies?.['@zmwatch/test-support'] !== undefined) devUsers++;
  }
  assert.ok(devUsers >= 4, `packages whose tests use it list it (${devUsers})`);
  assert.deepEqual(users, []);
});
