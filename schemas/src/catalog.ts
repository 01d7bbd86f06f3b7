import avro, { type Schema } from 'avsc';
import { readCatalogFile, readSchemaFile } from './avro-files.js';
import { SchemaRegistryError, UnknownSchemaIdError } from './errors.js';

/** A writer schema as known to a catalog. */
export interface CatalogSchema {
  readonly id: number;
  /** Parsed Avro schema JSON. */
  readonly schema: Schema;
  /** Subject, when the catalog knows it (the registry's `GET /schemas/ids/{id}` does not say). */
  readonly subject?: string | undefined;
  readonly version?: number | undefined;
}

/**
 * Where schema ids come from. The codec asks for the id of each schema it writes once (at
 * `createCodec`) and for each unseen writer id once (then caches the resolver).
 */
export interface SchemaCatalog {
  readonly kind: 'embedded' | 'registry' | (string & {});
  /**
   * Id of `schema` under `subject`. The registry registers it (idempotent: an identical schema gets
   * its existing id; an incompatible one is refused by the registry's compatibility check).
   */
  idFor(subject: string, schema: Schema): Promise<number>;
  /** Writer schema for an id. Rejects with UnknownSchemaIdError, or SchemaRegistryError (retriable). */
  schemaById(id: number): Promise<CatalogSchema>;
  /** Every schema known up front (embedded catalog), so decoding never waits; may be empty. */
  preload(): Promise<readonly CatalogSchema[]>;
}

/** Canonical fingerprint (Avro parsing canonical form, MD5) used to compare schemas. */
export function schemaFingerprint(schema: Schema): string {
  return avro.Type.forSchema(schema, { wrapUnions: 'never' }).fingerprint().toString('hex');
}

/**
 * The checked-in catalog `schemas/avro/catalog.json`: ids are stable and never reused, so bytes
 * written with it stay decodable. The default when no Schema Registry is configured.
 */
export function createEmbeddedCatalog(): SchemaCatalog {
  const entries = readCatalogFile().map((e): CatalogSchema => ({
    id: e.id,
    subject: e.subject,
    version: e.version,
    schema: readSchemaFile(e.file),
  }));
  const byId = new Map(entries.map((e) => [e.id, e]));
  const fingerprints = new Map(entries.map((e) => [e.id, schemaFingerprint(e.schema)]));
  return {
    kind: 'embedded',
    idFor(subject, schema) {
      const fp = schemaFingerprint(schema);
      const hit = entries.find((e) => e.subject === subject && fingerprints.get(e.id) === fp);
      if (!hit) {
        return Promise.reject(
          new SchemaRegistryError(
            `schema for ${subject} is not in the embedded catalog (add it to catalog.json)`,
            404,
          ),
        );
      }
      return Promise.resolve(hit.id);
    },
    schemaById(id) {
      const hit = byId.get(id);
      return hit ? Promise.resolve(hit) : Promise.reject(new UnknownSchemaIdError(id));
    },
    preload() {
      return Promise.resolve(entries);
    },
  };
}

export interface RegistryCatalogOptions {
  /** Base URL of a Confluent-compatible Schema Registry (Confluent, Karapace, Apicurio ccompat). */
  readonly url: string;
  /** Optional `user:password` for HTTP basic auth. */
  readonly basicAuth?: string;
  /** Per-request timeout in ms (default 5000). */
  readonly timeoutMs?: number;
  /** Injected fetch (default: global fetch). */
  readonly fetch?: typeof fetch;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * Confluent Schema Registry REST client: `POST /subjects/{subject}/versions` to register (returns
 * the existing id for an identical schema) and `GET /schemas/ids/{id}` to fetch writer schemas.
 * Responses are cached; a 404 (error 40403) becomes UnknownSchemaIdError, network errors and 5xx
 * become retriable SchemaRegistryError.
 */
export function createRegistryCatalog(options: RegistryCatalogOptions): SchemaCatalog {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5000;
  const headers: Record<string, string> = { accept: CONTENT_TYPE, 'content-type': CONTENT_TYPE };
  if (options.basicAuth) headers.authorization = `Basic ${Buffer.from(options.basicAuth).toString('base64')}`;
  const byId = new Map<number, Promise<CatalogSchema>>();
  const ids = new Map<string, Promise<number>>();

  const call = async (
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> => {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers,
        signal: AbortSignal.timeout(timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new SchemaRegistryError(
        `schema registry ${method} ${path} failed: ${(err as Error).message}`,
        undefined,
        {
          cause: err,
        },
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json };
  };

  return {
    kind: 'registry',
    idFor(subject, schema) {
      const key = `${subject}\u0000${schemaFingerprint(schema)}`;
      let p = ids.get(key);
      if (!p) {
        p = (async () => {
          const path = `/subjects/${encodeURIComponent(subject)}/versions`;
          const { status, json } = await call('POST', path, {
            schemaType: 'AVRO',
            schema: JSON.stringify(schema),
          });
          const id = (json as { id?: unknown } | undefined)?.id;
          if (status >= 200 && status < 300 && typeof id === 'number') return id;
          throw new SchemaRegistryError(
            `schema registry refused ${subject} (HTTP ${status}): ${JSON.stringify(json)}`,
            status,
          );
        })();
        p.catch(() => ids.delete(key)); // do not cache failures
        ids.set(key, p);
      }
      return p;
    },
    schemaById(id) {
      let p = byId.get(id);
      if (!p) {
        p = (async () => {
          const { status, json } = await call('GET', `/schemas/ids/${id}`);
          if (status === 404) throw new UnknownSchemaIdError(id);
          const body = json as { schema?: unknown; schemaType?: unknown } | undefined;
          if (status !== 200 || typeof body?.schema !== 'string') {
            // Whatever went wrong (5xx, 401 from a misconfigured credential, a proxy's 403), it is the
            // registry's fault, not the record's: retry, so a feed never drains into the DLQ for it.
            throw new SchemaRegistryError(`schema registry GET /schemas/ids/${id}: HTTP ${status}`, status, {
              retriable: true,
            });
          }
          if (body.schemaType !== undefined && body.schemaType !== 'AVRO') throw new UnknownSchemaIdError(id);
          return { id, schema: JSON.parse(body.schema) as Schema };
        })();
        // Cache definitive answers (found / 404); forget transient failures so a retry can succeed.
        p.catch((err: unknown) => {
          if (!(err instanceof UnknownSchemaIdError)) byId.delete(id);
        });
        byId.set(id, p);
      }
      return p;
    },
    preload() {
      return Promise.resolve([]);
    },
  };
}
