// `stack <up|down|status|logs|env>`: the dev stack's command line, run by infra/bin/stack (main.ts) and the
// CLI's `zmwatch stack`.
import { readFileSync, existsSync } from 'node:fs';
import { formatStatusTable } from './format.js';
import { components, stackDown, stackStatus, stackUp, type ComponentName } from './stack.js';
import { clientEnv, PROFILES, stackSettings, type StackProfile } from './settings.js';

const USAGE = `usage: stack <up|down|status|logs|env> [kafka|redis|temporal ...] [--profile single|cluster] [--json] [-n LINES]
  up      install what is missing (cached in ~/.cache/zmwatch), start, wait for health, create topics
  down    stop what this clone's stack started (leaves servers it did not start alone)
  status  each component: health, version, address; exit 1 if any is down
  logs    last lines of each component's log (-n, default 40)
  env     the ZM_* variables that point clients at the stack
  --profile cluster: 3 Kafka brokers (topics RF 3, min.insync.replicas 2), a Redis Cluster of
          3 masters + 3 replicas and its own Temporal, on other ports (default: single)`;

export async function stackCli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const json = rest.includes('--json');
  const nIdx = rest.indexOf('-n');
  const lines = nIdx >= 0 ? Number(rest[nIdx + 1]) : 40;
  const pIdx = rest.indexOf('--profile');
  const profile = (pIdx >= 0 ? rest[pIdx + 1] : 'single') as StackProfile;
  if (!PROFILES.includes(profile)) throw new Error(`unknown profile "${profile}"\n${USAGE}`);
  const names = rest.filter(
    (a, i) => !a.startsWith('-') && !(nIdx >= 0 && i === nIdx + 1) && !(pIdx >= 0 && i === pIdx + 1),
  ) as ComponentName[];
  for (const n of names)
    if (!['kafka', 'redis', 'temporal'].includes(n)) throw new Error(`unknown component "${n}"\n${USAGE}`);
  const only = names.length > 0 ? names : undefined;
  const settings = stackSettings(profile);
  switch (cmd) {
    case 'up': {
      const t0 = Date.now();
      const status = await stackUp(only ? { only, profile } : { profile });
      console.log(json ? JSON.stringify(status) : formatStatusTable(status));
      if (!json) console.log(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return status.filter((s) => !only || only.includes(s.group)).every((s) => s.healthy) ? 0 : 1;
    }
    case 'down': {
      const r = await stackDown(only ? { only, profile } : { profile });
      console.log(json ? JSON.stringify(r) : r.map((x) => `${x.name}: ${x.result}`).join('\n'));
      return 0;
    }
    case 'status': {
      const status = await stackStatus(profile);
      console.log(json ? JSON.stringify(status) : formatStatusTable(status));
      return status.every((s) => s.healthy) ? 0 : 1;
    }
    case 'logs': {
      for (const c of components(settings)) {
        if (only && !only.includes(c.group)) continue;
        console.log(`==> ${c.name}: ${c.logFile}`);
        console.log(
          existsSync(c.logFile)
            ? readFileSync(c.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
            : '(no log yet)',
        );
      }
      return 0;
    }
    case 'env':
      for (const [k, v] of Object.entries(clientEnv(settings)))
        console.log(v === undefined ? `unset ${k}` : `export ${k}=${v}`);
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}
