import { stackCli } from '@zmwatch/infra';
import type { CommandSpec } from '../args.js';
import type { CommandContext } from '../context.js';

const run = (sub: string) => async (ctx: { positionals: string[] }) => stackCli([sub, ...ctx.positionals]);

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
