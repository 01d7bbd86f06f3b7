import { ConfigError, errorMessage } from '@zmwatch/kit';
import { parseCommandLine, type CommandSpec } from './args.js';
import { alertCommands } from './commands/alerts.js';
import { backtestCommands } from './commands/backtest.js';
import { benchCommands } from './commands/bench.js';
import { caseCommands } from './commands/cases.js';
import { consoleCommands } from './commands/console.js';
import { dataCommands } from './commands/data.js';
import { dlqCommands } from './commands/dlq.js';
import { feedsCommands } from './commands/feeds.js';
import { lagCommands } from './commands/lag.js';
import { reportCommands } from './commands/report.js';
import { simulateCommands } from './commands/simulate.js';
import { stackCommands } from './commands/stack.js';
import { stateCommands } from './commands/state.js';
import { loadCliConfig } from './config.js';
import { createContext, type CommandContext } from './context.js';
import { EXIT, NotFoundError, UsageError } from './exit-codes.js';
import type { Io } from './io.js';

export const COMMANDS: CommandSpec<CommandContext>[] = [
  ...stackCommands,
  ...dataCommands,
  ...caseCommands,
  ...alertCommands,
  ...lagCommands,
  ...dlqCommands,
  ...feedsCommands,
  ...reportCommands,
  ...stateCommands,
  ...simulateCommands,
  ...backtestCommands,
  ...consoleCommands,
  ...benchCommands,
];

/** Runs one `zmwatch` invocation and returns its exit code (see exit-codes.ts). */
export async function runCli(
  argv: readonly string[],
  io: Io,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<number> {
  let ctx: CommandContext | undefined;
  try {
    const parsed = parseCommandLine(argv, COMMANDS);
    if ('help' in parsed) {
      io.out(parsed.help);
      return EXIT.ok;
    }
    ctx = createContext(io, loadCliConfig(env), signal);
    return await parsed.spec.run({
      ...ctx,
      values: parsed.values,
      positionals: parsed.positionals,
      json: parsed.json,
    });
  } catch (err) {
    io.progressDone();
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.err(`zmwatch: ${err.message}`);
      return EXIT.usage;
    }
    if (err instanceof NotFoundError) {
      io.err(`zmwatch: ${err.message}`);
      return EXIT.notFoundOrUnhealthy;
    }
    io.err(`zmwatch: ${errorMessage(err)}`);
    return EXIT.failure;
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}
