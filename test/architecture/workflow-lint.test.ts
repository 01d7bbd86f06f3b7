// The workflow determinism lint (eslint.config.js: no Node APIs or I/O clients) covers exactly the files
// the workflow bundle includes: the list the lint derives from the bundle's entry is compared with the
// modules webpack puts into the bundle the worker runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '@zmwatch/workflows/worker';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface LintBlock {
  files?: string[];
  rules?: Record<string, unknown>;
}

/** The files of the lint block that restricts workflow imports, relative to the repository root. */
async function lintedAsWorkflowCode(): Promise<string[]> {
  const config = (await import(pathToFileURL(join(ROOT, 'eslint.config.js')).href)) as {
    default: LintBlock[];
  };
  const blocks = config.default.filter((b) => b.rules?.['no-restricted-imports'] !== undefined);
  assert.equal(blocks.length, 1, 'one lint block holds the workflow determinism rule');
  return blocks[0]!.files ?? [];
}

test('the determinism lint covers every repository file of the workflow bundle, and only those', async () => {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: silent });
  // webpack names each module by its path relative to its context (the working directory) in a
  // `/***/ "<path>"` comment; the entry wrapper Temporal generates is not a file of ours.
  const bundled = [...code.matchAll(/\/\*{3}\/ "(\.{1,2}\/[^"]+)"/g)]
    .map((m) => resolve(process.cwd(), m[1]!))
    .filter((f) => !f.includes('/node_modules/') && existsSync(f))
    .map((f) => relative(ROOT, f));
  assert.ok(
    bundled.includes('workflows/src/shared.ts'),
    `the bundle's modules are read: ${bundled.join(', ')}`,
  );
  assert.deepEqual([...new Set(bundled)].sort(), [...(await lintedAsWorkflowCode())].sort());
});

const silent = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
