// `pnpm build`'s JavaScript: the emitter on a throw-away package (ES modules, only what changed,
// stale outputs removed, other files in dist/ kept), then the real workspace: every package's public
// surface and every service's entry point load compiled under `--conditions=production` without
// reaching a TypeScript source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILED_NODE_FLAGS, compiledPath, REPO_ROOT } from '../src/index.js';
import { emitAll, emitPackage, emittingPackages } from '../src/emit-js.js';

test('compiledPath: a package source maps to the same path under dist/', () => {
  assert.equal(compiledPath('services/detector/src/main.ts'), 'services/detector/dist/main.js');
  assert.equal(compiledPath('src/a/b.ts'), 'dist/a/b.js');
  assert.throws(() => compiledPath('services/detector/test/x.ts'), /not a package source/);
});

const counts = ({ written, unchanged, removed }: Awaited<ReturnType<typeof emitPackage>>) => ({
  written,
  unchanged,
  removed,
});

test('emitPackage: ES modules, only changed files, stale outputs removed, other dist files kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zm-emit-'));
  const src = (f: string) => join(dir, 'src', f);
  const out = (f: string) => join(dir, 'dist', f);
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', type: 'module' }));
    const options = { target: 'ES2022', module: 'NodeNext', verbatimModuleSyntax: true };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options }));
    mkdirSync(join(dir, 'src', 'sub'), { recursive: true });
    writeFileSync(
      src('main.ts'),
      "import type { T } from './sub/t.js';\nimport { two } from './sub/t.js';\nexport const x: T = two();\n",
    );
    writeFileSync(src('sub/t.ts'), 'export type T = number;\nexport const two = (): T => 2;\n');
    writeFileSync(src('gone.ts'), 'export const gone = 1;\n');

    assert.deepEqual(counts(await emitPackage(dir)), { written: 3, unchanged: 0, removed: 0 });
    const main = readFileSync(out('main.js'), 'utf8');
    assert.match(main, /^import \{ two \} from '\.\/sub\/t\.js';$/m, 'ES module, specifier as written');
    assert.doesNotMatch(main, /import type|require\(/, 'type imports erased, no CommonJS');
    const run = spawnSync(process.execPath, [
      '--input-type=module',
      '-e',
      `import(${JSON.stringify(out('main.js'))}).then((m) => console.log(m.x))`,
    ]);
    assert.equal(run.stdout.toString().trim(), '2', run.stderr.toString());

    writeFileSync(out('workflow-bundle.js'), '// not ours');
    assert.deepEqual(counts(await emitPackage(dir)), { written: 0, unchanged: 3, removed: 0 });

    const later = new Date(Date.now() + 5_000);
    utimesSync(src('sub/t.ts'), later, later);
    rmSync(src('gone.ts'));
    assert.deepEqual(counts(await emitPackage(dir)), { written: 1, unchanged: 1, removed: 1 });
    assert.equal(existsSync(out('gone.js')), false, 'the output of a deleted source is removed');
    assert.equal(existsSync(out('workflow-bundle.js')), true, 'files the emitter did not write stay');

    // Other compiler settings make every output stale, however recent.
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...options, target: 'ES2020' } }),
    );
    assert.deepEqual(counts(await emitPackage(dir)), { written: 2, unchanged: 0, removed: 0 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compiled, the workspace never reaches a TypeScript source: package surfaces and service entry points', async () => {
  await emitAll();
  // Plain node refuses a .ts module (ERR_UNKNOWN_FILE_EXTENSION): importing each package's surface,
  // resolved from its own folder as its dependants do, proves the graph behind it is all dist/.
  const imports = emittingPackages()
    .map((dir) => {
      const { name } = JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as {
        name: string;
      };
      const from = JSON.stringify(join(REPO_ROOT, dir, 'package.json'));
      return `await import(pathToFileURL(createRequire(${from}).resolve(${JSON.stringify(name)})).href);`;
    })
    .join('\n');
  const script = `import { createRequire } from 'node:module';\nimport { pathToFileURL } from 'node:url';\n${imports}\nconsole.log('loaded');`;
  const surfaces = spawnSync(
    process.execPath,
    [...COMPILED_NODE_FLAGS, '--input-type=module', '-e', script],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  assert.equal(surfaces.stdout.trim(), 'loaded', surfaces.stderr);

  // Each entry point loads its whole module graph, then rejects the configuration at start.
  for (const main of [
    'services/detector/src/main.ts',
    'services/escalator/src/main.ts',
    'workflows/src/worker-main.ts',
    'services/console/src/main.ts',
    'services/insights/src/main.ts',
  ]) {
    const r = spawnSync(process.execPath, [...COMPILED_NODE_FLAGS, compiledPath(main)], {
      cwd: REPO_ROOT,
      env: { ...process.env, ZM_LOG_LEVEL: 'not-a-level' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 1, `${main}: ${r.stderr}`);
    assert.match(r.stdout + r.stderr, /ZM_LOG_LEVEL/, `${main} got as far as its configuration`);
    assert.doesNotMatch(r.stderr, /ERR_UNKNOWN_FILE_EXTENSION|\.ts\b/, main);
  }
});
