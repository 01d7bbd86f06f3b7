// The workflow bundle's own source files: every file reached from the bundle's entry (WORKFLOWS_PATH,
// src/workflows.ts, what scripts/bundle.ts and the worker bundle) through imports that survive
// compilation, i.e. all but `import type` / `export type`: relative ones, and those of another
// workspace package (`@zmwatch/...`, e.g. the pure `@zmwatch/schemas/time-units`), which resolve
// through that package's `exports` to its source. eslint.config.js applies the
// determinism rules to exactly these, and test/architecture/workflow-lint.test.ts checks this list
// against the modules webpack really puts in the bundle. Plain JavaScript: eslint loads it unbuilt.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WORKFLOWS_ENTRY = fileURLToPath(new URL('../src/workflows.ts', import.meta.url));

// Static imports and re-exports (type-only ones excluded: the compiler erases them), side-effect and
// dynamic imports of a relative or workspace-package specifier; the pattern spans the lines of a
// multi-line import list.
const BUNDLED_IMPORT =
  /(?:\b(?:import|export)\s+(?!type\b)[^'";]*?\bfrom\s*|\bimport\s*\(?\s*)'(\.{1,2}\/[^']+|@zmwatch\/[^']+)'/g;

/**
 * Absolute paths of the files the bundle includes from this repository, entry first.
 * @param {string} [entry]
 * @returns {string[]}
 */
export function bundledSources(entry = WORKFLOWS_ENTRY) {
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = /** @type {string} */ (queue.shift());
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const m of text.matchAll(BUNDLED_IMPORT)) {
      const specifier = /** @type {string} */ (m[1]);
      // A workspace package resolves (symlinks followed) to its "default" export: the source file.
      const target = specifier.startsWith('.')
        ? resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))
        : createRequire(file).resolve(specifier);
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return [...seen];
}

/**
 * The same, relative to `root` (for eslint's `files`).
 * @param {string} root
 * @returns {string[]}
 */
export const bundledSourcesUnder = (root) => bundledSources().map((f) => relative(root, f));
