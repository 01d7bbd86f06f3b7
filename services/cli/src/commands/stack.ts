import type { CommandSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../exit-codes.js';

// The dev stack manager is a development dependency of the CLI (a deployment's CLI talks to its own
// Kafka, Redis and Temporal and never starts them): loaded only when a `stack` command runs.
async function loadStackCli(): Promise<(argv: string[]) => Promise<number>> {
  try {
    return (await import('@zmwatch/infra')).stackCli;
  } catch (err) {
    throw new UsageError(
      `zmwatch stack needs the development checkout's @zmwatch/infra (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

const run = (sub: string) => async (ctx: { positionals: string[] }) =>
  (await loadStackCli())([sub, ...ctx.positionals]);

/** `zmwatch stack …` is infra's stack CLI, unchanged (it prints its own tables and JSON). */
export const stackCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['stack', 'up'],
    summary: 'install what is missing, start Kafka, Redis and Temporal, create topics',
    usage: '[kafka|redis|temporal ...] [--json]',
    raw: true,
    run: run('up'),
  },
  {
    path: ['stack', 'down'],
    summary: 'stop what this clone started',
    usage: '[kafka|redis|temporal ...] [--json]',
    raw: true,
    run: run('down'),
  },
  {
    path: ['stack', 'status'],
    summary: 'health of each component (exit 1 if any is down)',
    usage: '[--json]',
    raw: true,
    run: run('status'),
  },
  {
    path: ['stack', 'logs'],
    summary: 'last lines of each component log',
    usage: '[kafka|redis|temporal ...] [-n LINES]',
    raw: true,
    run: run('logs'),
  },
  {
    path: ['stack', 'env'],
    summary: 'the ZM_* variables that point clients at the stack',
    usage: '',
    raw: true,
    run: run('env'),
  },
];
