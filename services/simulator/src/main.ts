/**
 * CLI entry: `node --import tsx services/simulator/src/main.ts --seed 42 --vehicles 10000 --rate 500 --out kafka|DIR`.
 * Wires signals (Ctrl-C stops after the produce request in flight) and prints a one-line JSON summary.
 */
import { ConfigError, createLogger, installShutdown, runMain } from '@zmwatch/kit';
import { createApp } from './app.js';
import { loadConfig, USAGE } from './config.js';

runMain(async () => {
  let config;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`simulator: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (config === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const logger = createLogger('simulator', config.logLevel);
  const app = createApp(config, { logger });
  installShutdown(() => app.stop(), logger);
  const summary = await app.start();
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exit(0);
});
