import type { Logger } from './logger.js';

/**
 * SIGTERM/SIGINT run `stop` once; a second signal, or `deadlineMs` passing, forces exit(1) so a stuck
 * dependency can never keep a process from dying during a deploy.
 */
export function installShutdown(stop: () => Promise<void>, logger: Logger, deadlineMs = 15_000): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: forcing exit');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, deadlineMs }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown deadline passed: forcing exit');
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** The body of every service's main.ts: log a fatal start error and exit non-zero. */
export function runMain(main: () => Promise<void>, logger: Pick<Logger, 'fatal'> = console as never): void {
  main().catch((err: unknown) => {
    if (typeof (logger as { fatal?: unknown }).fatal === 'function') logger.fatal({ err }, 'failed to start');
    else console.error(err);
    process.exit(1);
  });
}
