/**
 * CLI flags and environment of the simulator, validated once with messages that name the bad flag.
 * This is the only module that reads process.env (through `loadConfig(argv, env)`'s caller).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, DEFAULT_PORTS, envVars, parseEnv } from '@zmwatch/kit';
import { TOPICS } from '@zmwatch/schemas';
import { LABELS, type Label } from './labels.js';
import type { NoiseRates, ScenarioOptions } from './options.js';
import { DEFAULT_NOISE } from './options.js';

export const USAGE = `Usage: node --import tsx services/simulator/src/main.ts [flags]

Generates a seeded stream of vehicle registration and customs declaration events with ground truth.

  --seed <int|text>          seed (default 42); same seed + flags = same events
  --vehicles <n>             vehicle stories (default 10000; ~1.5 events each)
  --out kafka|<dir>          produce to Kafka (default) or write <dir>/events.ndjson + ground-truth.ndjson
  --rate <events/s>          Kafka pacing in events per second (default 500; 0 = as fast as possible)
  --day-ms <ms>              Kafka pacing by simulated time: wall ms per simulated day (off by default)
  --truth <file>             with --out kafka: also write the ground truth NDJSON to <file>
  --start <ISO date>         simulated clock start (default 2026-01-05T00:00:00Z)
  --days <n>                 days over which stories start (default vehicles/700, 2..120)
  --noise <spec>             default | none | <multiplier of default rates> | key=rate,... (keys: ${Object.keys(DEFAULT_NOISE).join(', ')})
  --mix <label=share,...>    story mix (labels: ${LABELS.join(', ')})
  --topic-registrations <t>  Kafka topic for registrations (default ${TOPICS.registrations})
  --topic-declarations <t>   Kafka topic for declarations (default ${TOPICS.declarations})
  --create-topics            create missing topics (with --partitions, default 6)
  --partitions <n>
  --no-progress              no progress bar
  -h, --help

Environment: ZM_KAFKA_BROKERS (default 127.0.0.1:${DEFAULT_PORTS.kafka}), ZM_LOG_LEVEL (default info).`;

export type OutputConfig =
  | {
      readonly kind: 'kafka';
      readonly brokers: string[];
      readonly topics: { readonly registrations: string; readonly declarations: string };
      readonly rate: number;
      readonly dayMs: number | undefined;
      readonly truthFile: string | undefined;
      readonly createTopics: boolean;
      readonly partitions: number;
    }
  | { readonly kind: 'ndjson'; readonly dir: string };

export interface SimulatorConfig {
  readonly scenario: ScenarioOptions;
  readonly output: OutputConfig;
  readonly progress: boolean;
  readonly logLevel: string;
}

const envSchema = z.object({ ZM_KAFKA_BROKERS: envVars.brokers, ZM_LOG_LEVEL: envVars.logLevel });

const flagSchema = z.object({
  seed: z.string().min(1),
  vehicles: z.coerce.number().int().min(1).max(50_000_000),
  rate: z.coerce.number().min(0),
  'day-ms': z.coerce.number().positive().optional(),
  out: z.string().min(1),
  truth: z.string().min(1).optional(),
  start: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'not a date (use ISO-8601, e.g. 2026-01-05T00:00:00Z)')
    .optional(),
  days: z.coerce.number().positive().max(3650).optional(),
  'topic-registrations': z.string().min(1),
  'topic-declarations': z.string().min(1),
  partitions: z.coerce.number().int().min(1).max(1000),
});

/** Parses argv (without node and script) and env. Throws ConfigError; `help` when -h was given. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): SimulatorConfig | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        seed: { type: 'string', default: '42' },
        vehicles: { type: 'string', default: '10000' },
        rate: { type: 'string', default: '500' },
        'day-ms': { type: 'string' },
        out: { type: 'string', default: 'kafka' },
        truth: { type: 'string' },
        start: { type: 'string' },
        days: { type: 'string' },
        noise: { type: 'string', default: 'default' },
        mix: { type: 'string' },
        'topic-registrations': { type: 'string', default: TOPICS.registrations },
        'topic-declarations': { type: 'string', default: TOPICS.declarations },
        'create-topics': { type: 'boolean', default: false },
        partitions: { type: 'string', default: '6' },
        'no-progress': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return 'help';
  const parsed = flagSchema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  --${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid flags:\n${problems.join('\n')}\n\nRun with --help for usage.`);
  }
  const f = parsed.data;
  const e = parseEnv(envSchema, env);
  const seedNumber = Number(f.seed);
  const scenario: ScenarioOptions = {
    seed: Number.isSafeInteger(seedNumber) ? seedNumber : f.seed,
    vehicles: f.vehicles,
    ...(f.start !== undefined ? { startTime: Date.parse(f.start) } : {}),
    ...(f.days !== undefined ? { durationDays: f.days } : {}),
    noise: parseNoise(String(values.noise)),
    ...(typeof values.mix === 'string' ? { mix: parseMix(values.mix) } : {}),
  };
  const output: OutputConfig =
    f.out === 'kafka'
      ? {
          kind: 'kafka',
          brokers: e.ZM_KAFKA_BROKERS,
          topics: { registrations: f['topic-registrations'], declarations: f['topic-declarations'] },
          rate: f.rate,
          dayMs: f['day-ms'],
          truthFile: f.truth,
          createTopics: values['create-topics'] === true,
          partitions: f.partitions,
        }
      : { kind: 'ndjson', dir: f.out };
  return { scenario, output, progress: values['no-progress'] !== true, logLevel: e.ZM_LOG_LEVEL };
}

export function parseNoise(spec: string): NonNullable<ScenarioOptions['noise']> {
  if (spec === 'default' || spec === 'none') return spec;
  if (/^\d+(\.\d+)?$/.test(spec)) return Number(spec);
  const rates: Partial<NoiseRates> = {};
  for (const [k, v] of pairs(spec, '--noise')) {
    if (!(k in DEFAULT_NOISE)) {
      throw new ConfigError(
        `--noise: unknown key ${JSON.stringify(k)} (expected ${Object.keys(DEFAULT_NOISE).join(', ')})`,
      );
    }
    const key = k as keyof NoiseRates;
    if (key !== 'outOfOrderMaxDelayMs' && (v < 0 || v > 1))
      throw new ConfigError(`--noise: ${k} must be in [0, 1], got ${v}`);
    rates[key] = v;
  }
  return rates;
}

export function parseMix(spec: string): Partial<Record<Label, number>> {
  const mix: Partial<Record<Label, number>> = {};
  for (const [k, v] of pairs(spec, '--mix')) {
    if (!(LABELS as readonly string[]).includes(k)) {
      throw new ConfigError(`--mix: unknown label ${JSON.stringify(k)} (expected ${LABELS.join(', ')})`);
    }
    if (v < 0) throw new ConfigError(`--mix: ${k} must be >= 0`);
    mix[k as Label] = v;
  }
  return mix;
}

function pairs(spec: string, flag: string): [string, number][] {
  return spec
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((part) => {
      const [k, v, ...rest] = part.split('=');
      const n = Number(v);
      if (!k || v === undefined || rest.length > 0 || v.trim() === '' || !Number.isFinite(n)) {
        throw new ConfigError(
          `${flag}: expected key=number pairs separated by commas, got ${JSON.stringify(part)}`,
        );
      }
      return [k.trim(), n];
    });
}
