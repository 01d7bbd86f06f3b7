/**
 * Confluent wire format codec: byte 0 = magic 0, bytes 1-4 = big-endian schema id, then the Avro
 * binary body. Writes with the latest schema of the topic; reads any writer version known to the
 * catalog into the current reader type through a cached avsc resolver (one per writer id).
 */
import type { Resolver, Type } from 'avsc';
import {
  createEmbeddedCatalog,
  createRegistryCatalog,
  schemaFingerprint,
  type CatalogSchema,
  type SchemaCatalog,
} from './catalog.js';
import { assertValid, getContracts, typeForSchema, validationProblems, type Contract } from './contracts.js';
import {
  CodecError,
  MalformedPayloadError,
  SchemaMismatchError,
  TruncatedPayloadError,
  UnknownSchemaIdError,
  UnknownTopicError,
  WrongMagicByteError,
} from './errors.js';
import type { TopicRecordMap } from './generated/types.js';
import { OutOfRangeError } from './value-ranges.js';
import type { Topic } from './topics.js';

export const MAGIC_BYTE = 0;
export const WIRE_HEADER_BYTES = 5;

/** A decoded message: the writer's schema id, the reader subject, and the record as the reader type. */
export type Decoded<T extends Topic = Topic> = {
  [K in T]: { schemaId: number; subject: string; topic: K; record: TopicRecordMap[K] };
}[T];

export interface Codec {
  readonly catalog: SchemaCatalog;
  /** Validates and encodes `record` with the topic's current schema. Throws InvalidRecordError naming the bad field paths. */
  encode<T extends Topic>(topic: T, record: TopicRecordMap[T]): Buffer;
  /** Decodes a framed payload, fetching an unseen writer schema from the catalog first. Rejects only with CodecError subclasses. */
  decode(payload: Buffer | Uint8Array | null | undefined): Promise<Decoded>;
  decode<T extends Topic>(payload: Buffer | Uint8Array | null | undefined, topic: T): Promise<Decoded<T>>;
  /**
   * Synchronous decode for writer ids already known (always the case with the embedded catalog).
   * Throws only CodecError subclasses; SchemaNotLoadedError when a registry id was never fetched.
   */
  decodeSync(payload: Buffer | Uint8Array | null | undefined): Decoded;
  decodeSync<T extends Topic>(payload: Buffer | Uint8Array | null | undefined, topic: T): Decoded<T>;
  /** Schema id written for the topic. */
  schemaIdFor(topic: Topic): number;
  /** Field-path problems of a record against the topic's current schema (empty when valid). */
  validate<T extends Topic>(topic: T, record: unknown): { path: string; value: unknown }[];
}

/** Thrown by decodeSync when a registry-backed codec has not fetched that writer id yet. */
export class SchemaNotLoadedError extends CodecError {
  readonly code = 'SchemaNotLoaded';
  override readonly retriable = true;
  constructor(readonly schemaId: number) {
    super(`schema id ${schemaId} not loaded yet; use codec.decode() which fetches it`);
  }
}

export interface CreateCodecOptions {
  /** Where schema ids come from; default: the embedded catalog (schemas/avro/catalog.json). */
  readonly catalog?: SchemaCatalog;
}

type WriterEntry =
  | { ok: true; schemaId: number; contract: Contract; reader: Type; resolver: Resolver | undefined }
  | { ok: false; error: CodecError };

/** Reads the 5-byte header; throws WrongMagicByteError / TruncatedPayloadError. */
export function readWireHeader(payload: Uint8Array | null | undefined): { schemaId: number } {
  const len = payload?.length ?? 0;
  if (!payload || len === 0) throw new TruncatedPayloadError(0, 'empty payload');
  if (payload[0] !== MAGIC_BYTE) throw new WrongMagicByteError(payload[0]);
  if (len < WIRE_HEADER_BYTES) throw new TruncatedPayloadError(len, 'shorter than the 5-byte wire header');
  const schemaId = ((payload[1]! << 24) | (payload[2]! << 16) | (payload[3]! << 8) | payload[4]!) >>> 0;
  return { schemaId };
}

/** Frames an Avro body with the Confluent header. */
export function frame(schemaId: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(WIRE_HEADER_BYTES + body.length);
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(schemaId, 1);
  out.set(body, WIRE_HEADER_BYTES);
  return out;
}

/** Creates a codec; resolves (registers, for a registry) the id of every current schema up front. */
export async function createCodec(options: CreateCodecOptions = {}): Promise<Codec> {
  const catalog = options.catalog ?? createEmbeddedCatalog();
  const contracts = getContracts();
  const byFullName = new Map<string, Contract>();
  const writeIds = new Map<Topic, number>();
  for (const c of contracts.values()) {
    byFullName.set(c.fullName, c);
    writeIds.set(c.topic, await catalog.idFor(c.subject, c.schema));
  }
  const readerFingerprints = new Map(
    [...contracts.values()].map((c) => [c.topic, schemaFingerprint(c.schema)]),
  );
  const writers = new Map<number, WriterEntry>();

  const buildEntry = (known: CatalogSchema): WriterEntry => {
    let writer: Type;
    try {
      writer = typeForSchema(known.schema);
    } catch (err) {
      return {
        ok: false,
        error: new SchemaMismatchError(
          `writer schema ${known.id} is not valid Avro: ${(err as Error).message}`,
        ),
      };
    }
    const contract = byFullName.get(writer.name ?? '');
    if (!contract) {
      return {
        ok: false,
        error: new SchemaMismatchError(
          `writer schema ${known.id} is ${writer.name ?? writer.typeName}, which no zmwatch topic carries`,
        ),
      };
    }
    if (schemaFingerprint(known.schema) === readerFingerprints.get(contract.topic)) {
      return { ok: true, schemaId: known.id, contract, reader: contract.type, resolver: undefined };
    }
    try {
      const resolver = contract.type.createResolver(writer);
      return { ok: true, schemaId: known.id, contract, reader: contract.type, resolver };
    } catch (err) {
      return {
        ok: false,
        error: new SchemaMismatchError(
          `writer schema ${known.id} cannot be read as the current ${contract.fullName} (incompatible evolution): ${(err as Error).message}`,
          { cause: err },
        ),
      };
    }
  };

  for (const known of await catalog.preload()) writers.set(known.id, buildEntry(known));
  // The schemas this codec writes are the reader schemas: decodable without a lookup.
  for (const c of contracts.values()) {
    const id = writeIds.get(c.topic)!;
    if (!writers.has(id))
      writers.set(id, { ok: true, schemaId: id, contract: c, reader: c.type, resolver: undefined });
  }
  const preloadedAll = catalog.kind === 'embedded';

  const load = async (schemaId: number): Promise<WriterEntry> => {
    let entry = writers.get(schemaId);
    if (entry) return entry;
    try {
      entry = buildEntry(await catalog.schemaById(schemaId));
    } catch (err) {
      if (err instanceof UnknownSchemaIdError) entry = { ok: false, error: err };
      else if (err instanceof CodecError)
        throw err; // transient (registry down): not cached
      else throw new SchemaMismatchError(`loading schema ${schemaId} failed: ${String(err)}`, { cause: err });
    }
    writers.set(schemaId, entry);
    return entry;
  };

  const decodeWith = (entry: WriterEntry, payload: Uint8Array, topic: Topic | undefined): Decoded => {
    if (!entry.ok) throw entry.error;
    if (topic !== undefined && entry.contract.topic !== topic) {
      throw new SchemaMismatchError(
        `schema id ${entry.schemaId} is ${entry.contract.fullName} (topic ${entry.contract.topic}), not the record of ${topic}`,
      );
    }
    const buf = Buffer.isBuffer(payload)
      ? payload
      : Buffer.from(payload.buffer, payload.byteOffset, payload.length);
    let res: { value: unknown; offset: number };
    try {
      res = entry.reader.decode(buf, WIRE_HEADER_BYTES, entry.resolver);
    } catch (err) {
      // avsc refuses a well-formed long beyond what a JS number holds exactly: a value out of range.
      if ((err as Error)?.message === 'potential precision loss')
        throw new OutOfRangeError(entry.contract.topic, [
          {
            path: '(a long field)',
            value: 'beyond ±2^53',
            reason: 'is beyond ±2^53 (not exactly representable)',
          },
        ]);
      throw new MalformedPayloadError(entry.schemaId, (err as Error)?.message ?? String(err), { cause: err });
    }
    if (res.offset < 0)
      throw new TruncatedPayloadError(buf.length, `Avro body ends early for schema id ${entry.schemaId}`);
    if (res.offset !== buf.length) {
      throw new MalformedPayloadError(
        entry.schemaId,
        `${buf.length - res.offset} trailing bytes after the record`,
      );
    }
    return {
      schemaId: entry.schemaId,
      subject: entry.contract.subject,
      topic: entry.contract.topic,
      record: res.value,
    } as Decoded;
  };

  let scratch = Buffer.allocUnsafe(64 * 1024);

  const codec: Codec = {
    catalog,
    encode(topic, record) {
      const contract = contracts.get(topic);
      const schemaId = writeIds.get(topic);
      if (!contract || schemaId === undefined) throw new UnknownTopicError(topic);
      assertValid(contract.type, record);
      for (;;) {
        const end = contract.type.encode(record, scratch, WIRE_HEADER_BYTES);
        if (end >= 0) {
          const out = Buffer.allocUnsafe(end);
          scratch.copy(out, 0, 0, end);
          out[0] = MAGIC_BYTE;
          out.writeUInt32BE(schemaId, 1);
          return out;
        }
        scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end + WIRE_HEADER_BYTES));
      }
    },
    async decode(payload: Buffer | Uint8Array | null | undefined, topic?: Topic) {
      const { schemaId } = readWireHeader(payload);
      const entry = writers.get(schemaId) ?? (await load(schemaId));
      return decodeWith(entry, payload!, topic);
    },
    decodeSync(payload: Buffer | Uint8Array | null | undefined, topic?: Topic) {
      const { schemaId } = readWireHeader(payload);
      const entry = writers.get(schemaId);
      if (!entry) {
        if (preloadedAll) throw new UnknownSchemaIdError(schemaId);
        throw new SchemaNotLoadedError(schemaId);
      }
      return decodeWith(entry, payload!, topic);
    },
    schemaIdFor(topic) {
      const id = writeIds.get(topic);
      if (id === undefined) throw new UnknownTopicError(topic);
      return id;
    },
    validate(topic, record) {
      const contract = contracts.get(topic);
      if (!contract) throw new UnknownTopicError(topic);
      return validationProblems(contract.type, record);
    },
  } as Codec;
  return codec;
}

/**
 * The codec a service runs with: the registry catalog when `registryUrl` is set (ZM_SCHEMA_REGISTRY_URL),
 * else the embedded one. One place for that choice, so detector, escalator and console cannot differ.
 * With a registry it registers the current schemas first, so it rejects with a retriable
 * SchemaRegistryError while the registry is unreachable.
 */
export function createCodecFor(registryUrl: string | undefined): Promise<Codec> {
  return createCodec(registryUrl ? { catalog: createRegistryCatalog({ url: registryUrl }) } : {});
}
