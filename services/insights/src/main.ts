import { createLogger, installShutdown, runMain } from '@zmwatch/kit';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const logger = createLogger('insights', config.logLevel);

runMain(async () => {
  const app = createApp(config, { logger });
  installShutdown(() => app.stop(), logger);
  await app.start();
}, logger);
