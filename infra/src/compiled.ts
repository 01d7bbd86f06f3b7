/**
 * How production runs compiled code (emitted by emit-js.ts, kept apart so that running it does not
 * load the TypeScript compiler).
 */

/** The folder production code is emitted to, per package (and the `"production"` exports' prefix). */
export const DIST_DIR = 'dist';
/**
 * The node flags that run compiled code: workspace packages then resolve to their `dist/` through
 * package.json's `"production"` exports condition (without it they would resolve to `.ts` sources,
 * which plain node refuses with ERR_UNKNOWN_FILE_EXTENSION: a loud failure, never stale code).
 */
export const COMPILED_NODE_FLAGS = ['--conditions=production'] as const;

/** The emitted file for a package source path (`services/x/src/main.ts` → `services/x/dist/main.js`). */
export function compiledPath(source: string): string {
  const m = /^(.*\/)?src\/(.+)\.ts$/.exec(source);
  if (!m) throw new Error(`${source} is not a package source (<package>/src/**.ts)`);
  return `${m[1] ?? ''}${DIST_DIR}/${m[2]}.js`;
}

/** Each long-running service's entry point (its source; `compiledPath` gives what production runs). */
export const SERVICE_MAINS = {
  detector: 'services/detector/src/main.ts',
  escalator: 'services/escalator/src/main.ts',
  worker: 'workflows/src/worker-main.ts',
  console: 'services/console/src/main.ts',
  insights: 'services/insights/src/main.ts',
} as const;
