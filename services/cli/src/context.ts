import { Client, Connection } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { createKafka, createLogger, temporalTlsOptions, type Logger } from '@zmwatch/kit';
import { createCaseClient, type CaseClient } from '@zmwatch/workflows';
import type { CliConfig } from './config.js';
import type { Io } from './io.js';

/** What every command gets: output, configuration, Ctrl-C, and lazily created clients. */
export interface CommandContext {
  io: Io;
  config: CliConfig;
  /** Aborted on Ctrl-C / SIGTERM: long commands stop cleanly. */
  signal: AbortSignal;
  logger: Logger;
  kafka(): Kafka;
  /** The workflows' case client; the connection is closed by the CLI on exit. */
  cases(): Promise<CaseClient>;
  close(): Promise<void>;
}

export function createContext(io: Io, config: CliConfig, signal: AbortSignal): CommandContext {
  const logger = createLogger('zmwatch', config.logLevel);
  let kafka: Kafka | undefined;
  let connection: Connection | undefined;
  let cases: CaseClient | undefined;
  return {
    io,
    config,
    signal,
    logger,
    kafka() {
      kafka ??= createKafka({
        clientId: 'zmwatch-cli',
        brokers: config.brokers,
        logger,
        security: config.kafkaSecurity,
      });
      return kafka;
    },
    async cases() {
      if (!cases) {
        connection = await Connection.connect({
          address: config.temporalAddress,
          connectTimeout: '5s',
          ...temporalTlsOptions(config.temporalTls),
        });
        cases = createCaseClient(new Client({ connection, namespace: config.temporalNamespace }), {
          taskQueue: config.casesTaskQueue,
        });
      }
      return cases;
    },
    async close() {
      await connection?.close();
    },
  };
}
