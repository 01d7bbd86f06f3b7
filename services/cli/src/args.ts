import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './exit-codes.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandSpec<C = unknown> {
  /** Words that select the command, e.g. ['cases', 'list']. */
  path: string[];
  summary: string;
  /** Arguments after the path, e.g. 'VIN --decision confirm|dismiss --reason TEXT'. */
  usage: string;
  options?: OptionSpecs;
  positionals?: { min: number; max: number };
  /** Hand everything after the path to the command untouched (delegating commands). */
  raw?: boolean;
  run(ctx: C & { values: OptionValues; positionals: string[]; json: boolean }): Promise<number>;
}

export interface Parsed<C> {
  spec: CommandSpec<C>;
  values: OptionValues;
  positionals: string[];
  json: boolean;
}

export type ParseResult<C> = Parsed<C> | { help: string };

const GLOBAL_OPTIONS: OptionSpecs = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

/** `zmwatch help` text: every command with its summary. */
export function usageText(specs: readonly CommandSpec<never>[]): string {
  const width = Math.max(...specs.map((s) => s.path.join(' ').length));
  return [
    "usage: zmwatch <command> [options]   (--json for scripts, -h for a command's options)",
    '',
    ...specs.map((s) => `  ${s.path.join(' ').padEnd(width)}  ${s.summary}`),
    '',
    'exit codes: 0 ok, 1 failure, 2 usage, 3 not found / unhealthy',
  ].join('\n');
}

export function commandUsage(spec: CommandSpec<never>): string {
  const opts = Object.entries(spec.options ?? {}).map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : '';
    const arg = o.type === 'string' ? ` ${name.toUpperCase().replace(/-/g, '_')}` : '';
    return `  ${short}--${name}${arg}${o.multiple ? ' (repeatable)' : ''}`;
  });
  return [
    `usage: zmwatch ${spec.path.join(' ')} ${spec.usage}`.trimEnd(),
    spec.summary,
    ...(opts.length ? ['', ...opts] : []),
    '  --json',
    '  -h, --help',
  ].join('\n');
}

/**
 * Picks the command whose path matches the most leading words, then parses its options strictly
 * (unknown options and missing values are usage errors, exit 2).
 */
export function parseCommandLine<C>(
  argv: readonly string[],
  specs: readonly CommandSpec<C>[],
): ParseResult<C> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    return { help: usageText(specs as readonly CommandSpec<never>[]) };
  }
  let best: CommandSpec<C> | undefined;
  for (const spec of specs) {
    if (spec.path.every((w, i) => argv[i] === w) && (!best || spec.path.length > best.path.length))
      best = spec;
  }
  if (!best) {
    const group = specs.filter((s) => s.path[0] === argv[0]);
    if (group.length > 0) {
      const subs = group.map((s) => s.path.slice(1).join(' ')).join('|');
      throw new UsageError(
        argv[1]
          ? `unknown command "${argv[0]} ${argv[1]}" (expected ${argv[0]} ${subs})`
          : `usage: zmwatch ${argv[0]} ${subs}`,
      );
    }
    throw new UsageError(`unknown command "${argv[0]}"; run \`zmwatch help\``);
  }
  const rest = argv.slice(best.path.length);
  if (best.raw) {
    return { spec: best, values: {}, positionals: [...rest], json: rest.includes('--json') };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...GLOBAL_OPTIONS, ...best.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(
      `${(err as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '')}\n${commandUsage(best as CommandSpec<never>)}`,
    );
  }
  const values = parsed.values as OptionValues;
  if (values.help) return { help: commandUsage(best as CommandSpec<never>) };
  const min = best.positionals?.min ?? 0;
  const max = best.positionals?.max ?? 0;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    const what =
      parsed.positionals.length < min
        ? 'missing argument'
        : `unexpected argument "${parsed.positionals[max]}"`;
    throw new UsageError(`${what}\n${commandUsage(best as CommandSpec<never>)}`);
  }
  return { spec: best, values, positionals: parsed.positionals, json: values.json === true };
}

/** A string option, or undefined. */
export const str = (values: OptionValues, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
};

/** A positive integer option with a default; a usage error names the option otherwise. */
export function intOption(
  values: OptionValues,
  name: string,
  def: number,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = str(values, name);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

/** A number of seconds (fractions allowed) as milliseconds. */
export function secondsOption(values: OptionValues, name: string, defSeconds: number): number {
  const raw = str(values, name);
  if (raw === undefined) return defSeconds * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number of seconds, got "${raw}"`);
  return Math.round(n * 1000);
}

/** A comma-separated list option restricted to `allowed` (case-insensitive, returned upper/lower as given in allowed). */
export function listOption<T extends string>(
  values: OptionValues,
  name: string,
  allowed: readonly T[],
): T[] | undefined {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  const out: T[] = [];
  for (const part of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const hit = allowed.find((a) => a.toLowerCase() === part.toLowerCase());
    if (!hit) throw new UsageError(`--${name}: unknown value "${part}" (expected ${allowed.join(', ')})`);
    out.push(hit);
  }
  return out;
}
