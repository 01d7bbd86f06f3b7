// The package graph: every package's tsconfig references exactly its package.json workspace
// dependencies (tsc -b then fails on an import of an undeclared package: pnpm links only declared ones,
// and a relative import into another package's folder is outside the project), every `exports` target
// exists, and the root tsconfig only references. Then what each package's public entry point loads, checked in a fresh node process per import: the
// client surface of @zmwatch/workflows (and the escalator, console and CLI built on it) never loads
// the Temporal worker (native core bridge, webpack bundler), and the CLI's data commands never load
// the web console (only `zmwatch console serve` imports it, on demand).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Loader hooks that append every module URL the ESM loader resolves to $ZM_LOAD_LOG (they run on the
// loader thread, hence a file); CommonJS packages loaded from ESM are in require.cache (PROBE prints it).
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.ZM_LOAD_LOG, result.url + '\\n');
  return result;
}`;
const RECORDER = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`,
)}`;

// Runs in the importing package's folder, so the specifier resolves through package.json `exports`.
const PROBE = `
import { createRequire } from 'node:module';
await import(process.argv[1]);
console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));
`;

/** Every file a fresh process loads when it imports `specifier` from package folder `cwd`. */
function loadedBy(specifier: string, cwd: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'zm-loads-'));
  const log = join(dir, 'esm.log');
  try {
    const cjs = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--import', RECORDER, '--input-type=module', '-e', PROBE, specifier],
      { cwd: join(ROOT, cwd), env: { ...process.env, ZM_LOAD_LOG: log }, encoding: 'utf8' },
    );
    const esm = readFileSync(log, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file:'))
      .map((u) => fileURLToPath(u));
    return [...new Set([...(JSON.parse(cjs.trim().split('\n').pop()!) as string[]), ...esm])];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const under = (files: string[], folder: string) => files.filter((f) => f.startsWith(join(ROOT, folder)));
const fromPackage = (files: string[], pkg: string) =>
  files.filter((f) => f.includes(`/node_modules/${pkg}/`));

test('the detection works: @zmwatch/workflows/worker loads @temporalio/worker', () => {
  const files = loadedBy('@zmwatch/workflows/worker', 'workflows');
  assert.ok(
    fromPackage(files, '@temporalio/worker').length > 0,
    'the worker entry must load @temporalio/worker',
  );
});

for (const [specifier, cwd] of [
  ['@zmwatch/workflows', 'workflows'],
  ['@zmwatch/escalator', 'services/escalator'],
  ['@zmwatch/console', 'services/console'],
  ['@zmwatch/cli', 'services/cli'],
] as const) {
  test(`importing ${specifier} does not load @temporalio/worker`, () => {
    const files = loadedBy(specifier, cwd);
    assert.ok(fromPackage(files, '@temporalio/client').length > 0, 'the probe sees CommonJS packages');
    assert.deepEqual(fromPackage(files, '@temporalio/worker'), []);
    assert.deepEqual(fromPackage(files, '@temporalio/core-bridge'), []);
  });
}

test('importing @zmwatch/cli loads none of the web console (only `console serve` imports it)', () => {
  const files = loadedBy('@zmwatch/cli', 'services/cli');
  assert.ok(under(files, 'services/cli/src/').length > 0, 'the probe sees the CLI sources');
  assert.ok(under(files, 'services/ops/src/').length > 0, 'the data commands use @zmwatch/ops');
  assert.deepEqual(under(files, 'services/console/'), []);
});

interface PackageJson {
  name: string;
  exports?: Record<string, string | { production: string; default: string }>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Workspace package folders (pnpm-workspace.yaml: schemas, services/*, workflows, test, test/support, bench, infra). */
function workspacePackages(): Map<string, { dir: string; pkg: PackageJson }> {
  const dirs = ['schemas', 'workflows', 'test', 'test/support', 'bench', 'infra'];
  for (const d of readdirSync(join(ROOT, 'services'))) dirs.push(`services/${d}`);
  const out = new Map<string, { dir: string; pkg: PackageJson }>();
  for (const dir of dirs) {
    if (!existsSync(join(ROOT, dir, 'package.json'))) continue;
    const pkg = readJson<PackageJson>(join(ROOT, dir, 'package.json'));
    out.set(pkg.name, { dir, pkg });
  }
  return out;
}

// A package whose tests use @zmwatch/test-support (built on that package) splits into two projects
// so the references stay a graph without cycles: `<dir>/tsconfig.json` (the sources) references its
// `dependencies`, and `<dir>/test/tsconfig.json` (its tests) references the package itself, its
// dependencies and its devDependencies. A package without a test project references both kinds from
// its one tsconfig.
test('each tsconfig references exactly the workspace packages its package.json depends on', () => {
  const packages = workspacePackages();
  assert.ok(packages.size >= 14, `found ${packages.size} packages`);
  const projects: string[] = [];
  const dirsOf = (deps: Record<string, string> | undefined) =>
    Object.keys(deps ?? {})
      .filter((name) => packages.has(name))
      .map((name) => packages.get(name)!.dir);
  const referencesOf = (project: string) =>
    (
      readJson<{ references?: Array<{ path: string }> }>(join(ROOT, project, 'tsconfig.json')).references ??
      []
    )
      .map((r) => relative(ROOT, resolve(ROOT, project, r.path)))
      .sort();
  for (const { dir, pkg } of packages.values()) {
    projects.push(dir);
    const deps = dirsOf(pkg.dependencies);
    const devDeps = dirsOf(pkg.devDependencies);
    if (existsSync(join(ROOT, dir, 'test', 'tsconfig.json'))) {
      projects.push(`${dir}/test`);
      assert.deepEqual(referencesOf(dir), deps.sort(), `${dir}/tsconfig.json references vs its dependencies`);
      assert.deepEqual(
        referencesOf(`${dir}/test`),
        [...new Set([dir, ...deps, ...devDeps])].sort(),
        `${dir}/test/tsconfig.json references vs the package, its dependencies and devDependencies`,
      );
    } else {
      assert.deepEqual(
        referencesOf(dir),
        [...new Set([...deps, ...devDeps])].sort(),
        `${dir}/tsconfig.json references vs ${dir}/package.json`,
      );
    }
  }
  const root = readJson<{ files?: string[]; include?: string[]; references: Array<{ path: string }> }>(
    join(ROOT, 'tsconfig.json'),
  );
  assert.deepEqual(root.files, []);
  assert.equal(root.include, undefined);
  assert.deepEqual(root.references.map((r) => r.path).sort(), projects.sort());
});

test('the production dependency graph is layered: no package depends on itself through `dependencies`', () => {
  const packages = workspacePackages();
  const cycles: string[] = [];
  const visit = (name: string, path: string[]): void => {
    if (path.includes(name)) {
      cycles.push([...path.slice(path.indexOf(name)), name].join(' -> '));
      return;
    }
    for (const dep of Object.keys(packages.get(name)?.pkg.dependencies ?? {}))
      if (packages.has(dep)) visit(dep, [...path, name]);
  };
  for (const name of packages.keys()) visit(name, []);
  assert.deepEqual([...new Set(cycles)], []);
});

test('every package.json `exports` target exists; compiled ones mirror their source', () => {
  for (const { dir, pkg } of workspacePackages().values()) {
    for (const [entry, target] of Object.entries(pkg.exports ?? {})) {
      // A source entry may name its compiled twin for `node --conditions=production` (pnpm build
      // emits it; infra/src/emit-js.ts): the same module under dist/, so the two cannot drift apart.
      const source = typeof target === 'string' ? target : target.default;
      assert.ok(
        existsSync(join(ROOT, dir, source)),
        `${pkg.name} exports ${entry} -> ${source}, which is missing`,
      );
      // A module under src/ without one would make compiled code import TypeScript.
      assert.ok(
        typeof target !== 'string' || !target.startsWith('./src/'),
        `${pkg.name} exports ${entry} -> ${target} without its "production" build`,
      );
      if (typeof target !== 'string')
        assert.equal(
          target.production,
          source.replace(/^\.\/src\/(.*)\.ts$/, './dist/$1.js'),
          `${pkg.name} exports ${entry}: "production" is the compiled "default"`,
        );
    }
  }
});

test('no source file imports another package by relative path (only through its package.json exports)', () => {
  const dirs = [...workspacePackages().values()].map((p) => p.dir).sort((a, b) => b.length - a.length);
  const owner = (file: string) => dirs.find((d) => file === d || file.startsWith(`${d}/`));
  const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
  const crossings: string[] = [];
  for (const file of files.filter((f) => owner(f) !== undefined)) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const m of source.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = relative(ROOT, resolve(ROOT, file, '..', m[1]!));
      if (owner(target) !== owner(file)) crossings.push(`${file} imports ${m[1]}`);
    }
  }
  assert.deepEqual(crossings, []);
});
