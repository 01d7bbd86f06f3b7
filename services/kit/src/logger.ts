import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; `ZM_LOG_LEVEL` is read by each service's config and passed in here. */
export function createLogger(name: string, level: string = 'info'): Logger {
  return pino({ name, level, base: { service: name }, timestamp: pino.stdTimeFunctions.isoTime });
}
