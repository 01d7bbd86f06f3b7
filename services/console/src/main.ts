import { createLogger, installShutdown, runMain } from '@zmwatch/kit';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

runMain(async () => {
  const config = loadConfig();
  const logger = createLogger('console', config.logLevel);
  const app = createApp(config, { logger });
  installShutdown(() => app.stop(), logger);
  await app.start();
}, createLogger('console'));
