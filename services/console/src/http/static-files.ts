import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
};

/** Serves the UI's files from one folder; `/` is the app shell. Returns false when nothing matched. */
export async function serveStatic(root: string, path: string, res: ServerResponse): Promise<boolean> {
  const rel = path === '/' ? 'index.html' : path.replace(/^\/+/, '');
  const file = normalize(join(root, rel));
  if (!file.startsWith(root + sep) || !(extname(file) in TYPES)) return false;
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return false;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)]!,
    'content-length': body.length,
    // The shell is tiny; no-cache keeps a deploy visible on the next load without fingerprinted names.
    'cache-control': 'no-cache',
  });
  res.end(body);
  return true;
}
