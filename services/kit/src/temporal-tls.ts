import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseEnv } from './config.js';
import { ConfigError } from './errors.js';
import { tlsFileVars, tlsFilesOf, type TlsFiles } from './tls-files.js';

/** TLS (mutual TLS with a client certificate) of the connections to Temporal's frontend. */
export interface TemporalTls extends TlsFiles {
  /** The name the server's certificate carries, when it differs from the address's host. */
  serverName?: string | undefined;
}

/**
 * The Temporal TLS variables, spelled once (next to ZM_TEMPORAL_ADDRESS and ZM_TEMPORAL_NAMESPACE):
 *   ZM_TEMPORAL_TLS=true, ZM_TEMPORAL_TLS_CA_FILE, ZM_TEMPORAL_TLS_CERT_FILE, ZM_TEMPORAL_TLS_KEY_FILE
 *   (client certificate and key: mutual TLS), ZM_TEMPORAL_TLS_SERVER_NAME
 */
export const temporalTlsEnv = {
  ZM_TEMPORAL_TLS: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  ...tlsFileVars('ZM_TEMPORAL_TLS'),
  ZM_TEMPORAL_TLS_SERVER_NAME: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional()),
};

type TemporalTlsEnv = z.infer<z.ZodObject<typeof temporalTlsEnv>>;

export function temporalTls(e: TemporalTlsEnv): TemporalTls | undefined {
  const files = tlsFilesOf('ZM_TEMPORAL_TLS', e.ZM_TEMPORAL_TLS, e);
  if (!files) {
    if (e.ZM_TEMPORAL_TLS_SERVER_NAME !== undefined)
      throw new ConfigError(
        'ZM_TEMPORAL_TLS_SERVER_NAME is set but ZM_TEMPORAL_TLS is not: set ZM_TEMPORAL_TLS=true',
      );
    return undefined;
  }
  return { ...files, serverName: e.ZM_TEMPORAL_TLS_SERVER_NAME };
}

/**
 * The `tls` connection option of @temporalio/client's Connection and @temporalio/worker's
 * NativeConnection (the same shape): `{}` when TLS is off.
 */
export function temporalTlsOptions(t: TemporalTls | undefined): {
  tls?: {
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
    serverNameOverride?: string;
  };
} {
  if (!t) return {};
  const tls: NonNullable<ReturnType<typeof temporalTlsOptions>['tls']> = {};
  if (t.caFile) tls.serverRootCACertificate = readFileSync(t.caFile);
  if (t.certFile && t.keyFile)
    tls.clientCertPair = { crt: readFileSync(t.certFile), key: readFileSync(t.keyFile) };
  if (t.serverName) tls.serverNameOverride = t.serverName;
  return { tls };
}

/** The Temporal TLS an environment describes (a service's own schema spreads `temporalTlsEnv` instead). */
export const loadTemporalTls = (env: NodeJS.ProcessEnv): TemporalTls | undefined =>
  temporalTls(parseEnv(z.object(temporalTlsEnv), env));
