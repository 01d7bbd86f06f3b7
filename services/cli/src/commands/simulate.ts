import { ConfigError } from '@zmwatch/kit';
import { createApp, loadConfig, USAGE } from '@zmwatch/simulator';
import type { CommandSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';

/** The simulator's usage names its own entry point; here it is `zmwatch simulate`. */
const asZmwatch = (text: string): string =>
  text.replace(/node --import tsx services\/simulator\/src\/main\.ts/g, 'zmwatch simulate');

/** `zmwatch simulate …` is the simulator's own command line (its flags, its progress line). */
export const simulateCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['simulate'],
    summary:
      'generate seeded registration/declaration events with ground truth (see `zmwatch simulate --help`)',
    usage: '[simulator flags]',
    raw: true,
    async run({ io, config, logger, positionals, signal }) {
      let simConfig;
      try {
        simConfig = loadConfig(positionals, config.env);
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(asZmwatch(err.message));
        throw err;
      }
      if (simConfig === 'help') {
        io.out(asZmwatch(USAGE));
        return EXIT.ok;
      }
      const app = createApp(simConfig, { logger, progressStream: process.stderr });
      const onAbort = () => void app.stop();
      signal.addEventListener('abort', onAbort, { once: true });
      const summary = await app.start();
      signal.removeEventListener('abort', onAbort);
      io.out(JSON.stringify(summary));
      return EXIT.ok;
    },
  },
];
