import { z } from 'zod';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { parseEnv } from './config.js';
import { ConfigError } from './errors.js';
import { readTlsFiles, tlsFileVars, tlsFilesOf, type TlsFiles } from './tls-files.js';

/** How a client authenticates to and encrypts its connections with the brokers. */
export interface KafkaSecurity {
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  tls?: TlsFiles;
}

const optional = <T extends z.ZodType>(t: T) => z.preprocess((v) => (v === '' ? undefined : v), t.optional());

/**
 * The Kafka security variables, spelled once for every service (spread into its env schema next
 * to ZM_KAFKA_BROKERS, map with `kafkaSecurity`):
 *   ZM_KAFKA_SASL_MECHANISM  scram-sha-512 (recommended), scram-sha-256 or plain
 *   ZM_KAFKA_SASL_USERNAME / ZM_KAFKA_SASL_PASSWORD
 *   ZM_KAFKA_TLS=true, ZM_KAFKA_TLS_CA_FILE, ZM_KAFKA_TLS_CERT_FILE, ZM_KAFKA_TLS_KEY_FILE (mutual TLS)
 */
export const kafkaSecurityEnv = {
  ZM_KAFKA_SASL_MECHANISM: optional(z.enum(['plain', 'scram-sha-256', 'scram-sha-512'])),
  ZM_KAFKA_SASL_USERNAME: optional(z.string().min(1)),
  ZM_KAFKA_SASL_PASSWORD: optional(z.string().min(1)),
  ZM_KAFKA_TLS: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  ...tlsFileVars('ZM_KAFKA_TLS'),
};

type KafkaSecurityEnv = z.infer<z.ZodObject<typeof kafkaSecurityEnv>>;

/** The security the parsed variables describe (empty: PLAINTEXT); ConfigError on half a SASL setting. */
export function kafkaSecurity(e: KafkaSecurityEnv): KafkaSecurity {
  const out: KafkaSecurity = {};
  const {
    ZM_KAFKA_SASL_MECHANISM: mechanism,
    ZM_KAFKA_SASL_USERNAME: username,
    ZM_KAFKA_SASL_PASSWORD: password,
  } = e;
  if (mechanism !== undefined || username !== undefined || password !== undefined) {
    if (mechanism === undefined || username === undefined || password === undefined)
      throw new ConfigError(
        'Kafka SASL needs ZM_KAFKA_SASL_MECHANISM, ZM_KAFKA_SASL_USERNAME and ZM_KAFKA_SASL_PASSWORD together',
      );
    out.sasl = { mechanism, username, password };
  }
  const tls = tlsFilesOf('ZM_KAFKA_TLS', e.ZM_KAFKA_TLS, e);
  if (tls) out.tls = tls;
  return out;
}

/** kafkajs's `sasl` and `ssl` options of a security setting. */
export function kafkaSecurityOptions(s: KafkaSecurity | undefined): Pick<KafkaConfig, 'sasl' | 'ssl'> {
  const out: Pick<KafkaConfig, 'sasl' | 'ssl'> = {};
  if (s?.sasl) out.sasl = { ...s.sasl } as SASLOptions;
  if (s?.tls) {
    const files = readTlsFiles(s.tls);
    out.ssl = Object.keys(files).length > 0 ? files : true;
  }
  return out;
}

/** The security an environment describes (a service's own schema spreads `kafkaSecurityEnv` instead). */
export const loadKafkaSecurity = (env: NodeJS.ProcessEnv): KafkaSecurity =>
  kafkaSecurity(parseEnv(z.object(kafkaSecurityEnv), env));
