/**
 * Emits the JavaScript production runs (`pnpm build`; `pnpm emit` alone): every workspace package's
 * `src/**\/*.ts` → `dist/**\/*.js`, one file at a time with TypeScript's own transpiler and the
 * package's compiler options. `dist/` sits beside `src/` at the same depth, so paths a module builds
 * from `import.meta.url` (rulesets, avro schemas, the console's public folder) hold in both.
 *
 * One file at a time is exact here: tsconfig.base.json has `isolatedModules` and
 * `verbatimModuleSyntax`, which guarantee each file transpiles alone (imports kept as written, type
 * imports erased). Type checking is `tsc -b`'s job (`pnpm typecheck`), which runs first in `pnpm build`.
 *
 * Packages resolve each other through package.json `exports`: `"production"` names the dist file,
 * `"default"` the source, so `node --conditions=production <pkg>/dist/main.js` runs compiled code
 * end to end while tests and development (`node --import tsx`) keep running the sources.
 * Files this run did not write but the previous one did (a source deleted or moved) are removed,
 * using the list each run leaves in `dist/.emitted.json`; anything else in dist/ (the workflow
 * bundle) is left alone.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompilerOptions } from 'typescript';
import { DIST_DIR } from './compiled.js';
import { REPO_ROOT } from './settings.js';

const SOURCE_DIR = 'src';
const MANIFEST = '.emitted.json';

/** What the last run wrote, so the next can remove outputs whose source is gone. */
interface Manifest {
  /** The compiler settings the outputs were made with: when they change, every output is stale. */
  settings: string;
  files: string[];
}

export interface EmitResult {
  packageDir: string;
  written: number;
  unchanged: number;
  removed: number;
}

/** Workspace packages that have a `src/` (the root tsconfig's references are the package list). */
export function emittingPackages(root = REPO_ROOT): string[] {
  const rootConfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as {
    references: Array<{ path: string }>;
  };
  return rootConfig.references.map((r) => r.path).filter((dir) => existsSync(join(root, dir, SOURCE_DIR)));
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/**
 * A digest of what decides the output besides the sources: the package's tsconfig and those it
 * extends, the compiler's version and this file (its overrides). Read without loading the compiler,
 * so a run with nothing to do costs a few stats.
 */
function settingsKey(packageDir: string): string {
  const hash = createHash('sha256');
  let config: string | undefined = join(packageDir, 'tsconfig.json');
  while (config) {
    const text: string = readFileSync(config, 'utf8');
    hash.update(text);
    const ext: string | undefined = (JSON.parse(text) as { extends?: string }).extends;
    config = ext ? resolve(dirname(config), ext) : undefined;
  }
  hash.update(readFileSync(join(REPO_ROOT, 'node_modules', 'typescript', 'package.json')));
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  return hash.digest('hex');
}

/** The package's own compiler options, switched from declarations-only to JavaScript output. */
function emitOptions(ts: typeof import('typescript'), packageDir: string): CompilerOptions {
  const configPath = join(packageDir, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${configPath}`);
  // transpileModule cannot see package.json "type", so NodeNext would emit CommonJS: every package
  // is "type": "module", and ES module output is what NodeNext emits for them in a full build.
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { type?: string };
  if (pkg.type !== 'module') throw new Error(`${packageDir}/package.json must have "type": "module"`);
  return {
    ...parsed.options,
    module: ts.ModuleKind.ES2022,
    // Only so the options stay valid together (transpiling resolves nothing).
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: false,
    emitDeclarationOnly: false,
    declaration: false,
    declarationMap: false,
    composite: false,
    incremental: false,
    sourceMap: false,
  };
}

let compiler: Promise<typeof import('typescript')> | undefined;
const loadCompiler = () => (compiler ??= import('typescript').then((m) => m.default));

/** Transpiles one package's sources into its dist/; outputs newer than their source are kept. */
export async function emitPackage(packageDir: string): Promise<EmitResult> {
  const srcDir = join(packageDir, SOURCE_DIR);
  const distDir = join(packageDir, DIST_DIR);
  const manifestPath = join(distDir, MANIFEST);
  const previous = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<Manifest>)
    : {};
  const settings = settingsKey(packageDir);
  const reuse = previous.settings === settings;
  const files = sourceFiles(srcDir).map((file) => ({
    file,
    rel: relative(srcDir, file).replace(/\.ts$/, '.js'),
  }));
  const todo = files.filter(({ file, rel }) => {
    const out = join(distDir, rel);
    return !reuse || !existsSync(out) || statSync(out).mtimeMs < statSync(file).mtimeMs;
  });
  if (todo.length > 0) {
    const ts = await loadCompiler();
    const options = emitOptions(ts, packageDir);
    for (const { file, rel } of todo) {
      const result = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: options,
        fileName: file,
        reportDiagnostics: true,
      });
      const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
      if (errors.length > 0)
        throw new Error(
          `${relative(REPO_ROOT, file)}: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`,
        );
      const out = join(distDir, rel);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, result.outputText);
    }
  }
  const current = new Set(files.map((f) => f.rel));
  const stale = (previous.files ?? []).filter((rel) => !current.has(rel));
  for (const rel of stale) rmSync(join(distDir, rel), { force: true });
  mkdirSync(distDir, { recursive: true });
  const manifest: Manifest = { settings, files: [...current].sort() };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 1) + '\n');
  return {
    packageDir: relative(REPO_ROOT, packageDir),
    written: todo.length,
    unchanged: files.length - todo.length,
    removed: stale.length,
  };
}

export async function emitAll(root = REPO_ROOT): Promise<EmitResult[]> {
  const results: EmitResult[] = [];
  for (const dir of emittingPackages(root)) results.push(await emitPackage(join(root, dir)));
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const results = await emitAll();
  const sum = (k: 'written' | 'unchanged' | 'removed') => results.reduce((n, r) => n + r[k], 0);
  console.log(
    `emitted JavaScript for ${results.length} packages into <package>/${DIST_DIR}/: ` +
      `${sum('written')} written, ${sum('unchanged')} unchanged, ${sum('removed')} removed ` +
      `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}
