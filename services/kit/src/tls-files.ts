import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * TLS of a client connection: the CA that signs the server's certificate (absent: the system's) and,
 * for mutual TLS, the client's certificate and key. Files are PEM, read when the client is created.
 */
export interface TlsFiles {
  caFile?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
}

/** The three TLS file variables of one prefix (`ZM_KAFKA_TLS`, `ZM_REDIS_TLS`, `ZM_TEMPORAL_TLS`). */
export const tlsFileVars = <P extends string>(prefix: P) =>
  ({
    [`${prefix}_CA_FILE`]: optionalString,
    [`${prefix}_CERT_FILE`]: optionalString,
    [`${prefix}_KEY_FILE`]: optionalString,
  }) as Record<`${P}_CA_FILE` | `${P}_CERT_FILE` | `${P}_KEY_FILE`, typeof optionalString>;

const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

/** TLS settings from the parsed variables of `prefix`; undefined when TLS is off. */
export function tlsFilesOf(prefix: string, on: boolean, e: Record<string, unknown>): TlsFiles | undefined {
  const files: TlsFiles = {
    caFile: e[`${prefix}_CA_FILE`] as string | undefined,
    certFile: e[`${prefix}_CERT_FILE`] as string | undefined,
    keyFile: e[`${prefix}_KEY_FILE`] as string | undefined,
  };
  const any = Object.values(files).some((f) => f !== undefined);
  if (!on) {
    if (any) throw new ConfigError(`${prefix}_*_FILE are set but ${prefix} is not: set ${prefix}=true`);
    return undefined;
  }
  if ((files.certFile === undefined) !== (files.keyFile === undefined))
    throw new ConfigError(`${prefix}_CERT_FILE and ${prefix}_KEY_FILE go together (mutual TLS)`);
  return files;
}

/** Node's TLS options (`ca`, `cert`, `key` contents) of these files. */
export function readTlsFiles(t: TlsFiles): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const read = (f: string | undefined) => (f === undefined ? undefined : readFileSync(f));
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  const ca = read(t.caFile);
  const cert = read(t.certFile);
  const key = read(t.keyFile);
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  return out;
}
