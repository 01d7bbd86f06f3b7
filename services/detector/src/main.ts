import { createLogger, installShutdown, runMain } from '@zmwatch/kit';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

runMain(async () => {
  const config = loadConfig(process.env);
  const logger = createLogger('detector', config.logLevel);
  const app = createApp(config, { logger });
  installShutdown(() => app.stop(), logger);
  await app.start();
});
