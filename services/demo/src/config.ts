import { parseArgs } from 'node:util';
import { ConfigError, DEFAULT_PORTS } from '@zmwatch/kit';
import type { StackProfile } from '@zmwatch/infra';

export const USAGE = `Usage: infra/bin/demo [demo flags] [-- simulator flags]

Brings the local stack up, starts detector, escalator, case worker and console, streams the simulator
into Kafka and prints the console URL. Ctrl-C prints a summary (events, alerts by severity, cases, DLQ,
precision and recall against the simulator's ground truth) and stops what the demo started.

  --console-port <port>   console HTTP port (default ${DEFAULT_PORTS.console})
  --profile <name>        single (default: one broker, one Redis) or cluster (3 brokers, Redis Cluster;
                          infra/bin/stack up --profile cluster)
  --duration <seconds>    stop by itself after this long (default: run until Ctrl-C)
  --vehicles <n>          vehicle stories to simulate (default 20000)
  --rate <events/s>       simulator pace (default 200)
  --seed <int>            simulator seed (default: random, printed)
  -h, --help
Anything after -- goes to the simulator (see: node --import tsx services/simulator/src/main.ts --help).`;

export interface DemoConfig {
  consolePort: number;
  profile: StackProfile;
  durationMs: number | undefined;
  simulatorArgs: string[];
  seed: string;
}

export function loadDemoConfig(argv: string[]): DemoConfig | 'help' {
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const passthrough = dash >= 0 ? argv.slice(dash + 1) : [];
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: own,
      strict: true,
      options: {
        'console-port': { type: 'string', default: String(DEFAULT_PORTS.console) },
        profile: { type: 'string', default: 'single' },
        duration: { type: 'string' },
        vehicles: { type: 'string', default: '20000' },
        rate: { type: 'string', default: '200' },
        seed: { type: 'string', default: String(Math.floor(Math.random() * 1e9)) },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return 'help';
  const port = Number(values['console-port']);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ConfigError(`--console-port: not a TCP port: ${String(values['console-port'])}`);
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  if (duration !== undefined && !(duration > 0))
    throw new ConfigError(`--duration: expected seconds > 0, got ${String(values.duration)}`);
  const profile = String(values.profile);
  if (profile !== 'single' && profile !== 'cluster')
    throw new ConfigError(`--profile: single or cluster, got ${profile}`);
  const seed = String(values.seed);
  return {
    consolePort: port,
    profile,
    durationMs: duration === undefined ? undefined : duration * 1000,
    seed,
    simulatorArgs: [
      '--seed',
      seed,
      '--vehicles',
      String(values.vehicles),
      '--rate',
      String(values.rate),
      ...passthrough,
    ],
  };
}
