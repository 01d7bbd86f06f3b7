import { existsSync, readFileSync } from 'node:fs';
import { apicurioHome, apicurioRegistry, registryOptions, type RegistryOptions } from './registry.js';

const USAGE = `usage: registry <install|up|down|status|env|logs> [--port P] [--management-port M] [--dir D] [--json]
  The optional Schema Registry (Apicurio Registry, Confluent-compatible API); not part of \`stack up\`.
  install  fetch it with mvn into ~/.cache/zmwatch (first run only); prints its folder
  up       install, start unless healthy, wait until it answers; prints ZM_SCHEMA_REGISTRY_URL's value
  down     stop the instance of --dir (default .zmwatch/registry) if this clone started it
  status   health; exit 1 if down
  env      the ZM_SCHEMA_REGISTRY_URL that points the services at it
  logs     last lines of its log (-n, default 40)
  Defaults: --port 18081 (ZM_REGISTRY_PORT), --management-port 18082 (ZM_REGISTRY_MANAGEMENT_PORT).
  Schemas are kept in --dir across restarts; another --dir and ports give a private instance (tests).`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value\n${USAGE}`);
  return v;
}

function port(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535)
    throw new Error(`${name} must be a TCP port, got "${raw}"`);
  return n;
}

const lastLines = (file: string, n: number) =>
  existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n') : '(no log yet)';

export async function registryCli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const over: Partial<RegistryOptions> = {};
  const p = port(flag(rest, '--port'), '--port');
  const m = port(flag(rest, '--management-port'), '--management-port');
  const dir = flag(rest, '--dir');
  if (p !== undefined) over.port = p;
  if (m !== undefined) over.managementPort = m;
  if (dir !== undefined) over.dir = dir;
  const json = rest.includes('--json');
  const reg = apicurioRegistry(registryOptions(over));
  switch (cmd) {
    case 'install':
      reg.install();
      console.log(apicurioHome(reg.options.cacheDir));
      return 0;
    case 'up': {
      const t0 = Date.now();
      try {
        const detail = await reg.up();
        const ms = Date.now() - t0;
        console.log(json ? JSON.stringify({ url: reg.url, detail, ms, log: reg.logFile }) : reg.url);
        if (!json) process.stderr.write(`zmwatch: ${detail} answers at ${reg.url} (${ms} ms)\n`);
        return 0;
      } catch (err) {
        console.error(
          `${(err as Error).message}\n  log: ${reg.logFile}\n  last lines:\n${lastLines(reg.logFile, 15).replace(/^/gm, '    ')}`,
        );
        return 1;
      }
    }
    case 'down': {
      const r = await reg.down();
      console.log(json ? JSON.stringify({ result: r }) : `registry: ${r}`);
      return 0;
    }
    case 'status': {
      const r = await reg.health().then(
        (detail) => ({ healthy: true, detail }),
        (err: unknown) => ({ healthy: false, detail: `down: ${(err as Error).message}` }),
      );
      const row = { name: 'registry', ...r, url: reg.url, version: reg.version(), log: reg.logFile };
      console.log(
        json ? JSON.stringify(row) : `registry  ${r.healthy ? 'healthy' : 'DOWN'}  ${reg.url}  ${r.detail}`,
      );
      return r.healthy ? 0 : 1;
    }
    case 'env':
      console.log(`export ZM_SCHEMA_REGISTRY_URL=${reg.url}`);
      return 0;
    case 'logs': {
      const n = Number(flag(rest, '-n') ?? 40);
      console.log(`==> registry: ${reg.logFile}\n${lastLines(reg.logFile, n)}`);
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  registryCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`zmwatch registry: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
