import { createLogger, installShutdown, runMain } from '@zmwatch/kit';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { DETECTOR_NODE_FLAGS, hasDetectorNodeFlags } from './node-flags.js';

runMain(async () => {
  const config = loadConfig(process.env);
  const logger = createLogger('detector', config.logLevel);
  if (!hasDetectorNodeFlags())
    logger.info(
      { flags: DETECTOR_NODE_FLAGS },
      'started without the recommended node flags (throughput is lower)',
    );
  const app = createApp(config, { logger });
  installShutdown(() => app.stop(), logger);
  await app.start();
});
