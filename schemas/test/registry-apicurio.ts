import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REGISTRY_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'infra', 'bin', 'registry');

/**
 * A private Apicurio Registry (the real thing, from infra/bin/registry: installed with mvn on first
 * use, then about 7 s to start) on the given ports, its storage in a fresh folder that survives
 * `stop()` + `start()`: a registry that goes away and comes back with its schemas.
 */
export async function privateApicurio(port: number, managementPort: number) {
  const dir = mkdtempSync(join(tmpdir(), 'zm-registry-'));
  const args = ['--port', String(port), '--management-port', String(managementPort), '--dir', dir];
  const cli = async (cmd: string) => {
    try {
      return (await run(REGISTRY_BIN, [cmd, ...args, '--json'], { timeout: 300_000 })).stdout;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`infra/bin/registry ${cmd} failed: ${e.stderr || e.stdout || e.message}`);
    }
  };
  const start = async () => JSON.parse(await cli('up')) as { url: string; detail: string; ms: number };
  const first = await start();
  return {
    /** ZM_SCHEMA_REGISTRY_URL of this instance (its Confluent-compatible API). */
    url: first.url,
    /** What the registry says it is, e.g. "Apicurio Registry (SQL) 3.3.3". */
    detail: first.detail,
    startMs: first.ms,
    start,
    stop: () => cli('down'),
    /** Stops it and removes its storage. */
    async remove() {
      await cli('down');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type PrivateApicurio = Awaited<ReturnType<typeof privateApicurio>>;

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** A plain HTTP call to the Confluent API, independent of the client under test. */
export async function registryCall<T = Record<string, unknown>>(
  url: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
}
