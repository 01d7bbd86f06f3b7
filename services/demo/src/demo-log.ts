import { join } from 'node:path';
import { pino, type Logger } from 'pino';

/**
 * The demo's own structured log (its Kafka client's and the in-process simulator's lines, kafkajs
 * warnings included) goes to `<logDir>/demo-demo.log` beside the services' logs, never to the
 * terminal: the terminal gets only the demo's own sentences and the simulator's progress line.
 */
export function createDemoLog(logDir: string, level = 'info'): { logger: Logger; file: string } {
  const file = join(logDir, 'demo-demo.log');
  const logger = pino(
    { name: 'demo', level, base: { service: 'demo' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: file, append: true, mkdir: true, sync: true }),
  );
  return { logger, file };
}
