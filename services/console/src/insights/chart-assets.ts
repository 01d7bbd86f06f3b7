import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { ServerResponse } from 'node:http';

const require = createRequire(import.meta.url);

/**
 * The Insights page's charting library, uPlot, served from the console itself (no CDN) straight
 * from its npm package, so the version is the lockfile's.
 */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/vendor/uplot/uPlot.esm.js': {
    file: require.resolve('uplot/dist/uPlot.esm.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/vendor/uplot/uPlot.min.css': {
    file: require.resolve('uplot/dist/uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

/** Answers a vendored asset's path; false for any other path. */
export async function serveChartAsset(path: string, res: ServerResponse): Promise<boolean> {
  const asset = ASSETS[path];
  if (!asset) return false;
  const body = await readFile(asset.file);
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': body.length,
    'cache-control': 'public, max-age=3600',
  });
  res.end(body);
  return true;
}
