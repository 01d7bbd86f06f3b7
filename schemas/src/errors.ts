/**
 * Typed failures of the codec. Every decode failure is one of these classes (never a raw avsc,
 * RangeError or TypeError), so consumers can classify: `retriable` errors (registry unreachable)
 * must not be committed past; the others are permanent and belong in the `<topic>.dlq`.
 */
import { DLQ_ERROR_CLASSES } from './error-classes.js';

export abstract class CodecError extends Error {
  /** Stable machine-readable class name (one of DLQ_ERROR_CLASSES), written to the `zm-dlq-error-class` header. */
  abstract readonly code: string;
  /** True when retrying later can succeed (e.g. schema registry unreachable). */
  readonly retriable: boolean = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Payload shorter than the 5-byte header, or the Avro body ends before the record does. */
export class TruncatedPayloadError extends CodecError {
  readonly code = DLQ_ERROR_CLASSES.truncatedPayload;
  constructor(
    readonly byteLength: number,
    detail: string,
  ) {
    super(`truncated payload (${byteLength} bytes): ${detail}`);
  }
}

/** Byte 0 is not the Confluent magic byte 0. */
export class WrongMagicByteError extends CodecError {
  readonly code = DLQ_ERROR_CLASSES.wrongMagicByte;
  constructor(readonly magicByte: number | undefined) {
    super(
      `wrong magic byte ${magicByte === undefined ? '(none)' : `0x${magicByte.toString(16).padStart(2, '0')}`}, expected 0x00`,
    );
  }
}

/** The schema id in the header is not known to the catalog (or the registry answered 404). */
export class UnknownSchemaIdError extends CodecError {
  readonly code = DLQ_ERROR_CLASSES.unknownSchemaId;
  constructor(readonly schemaId: number) {
    super(`unknown schema id ${schemaId}`);
  }
}

/**
 * The writer schema cannot be read as the expected reader type: a different record type than the
 * topic carries, or a writer version that is not resolvable (incompatible evolution).
 */
export class SchemaMismatchError extends CodecError {
  readonly code = DLQ_ERROR_CLASSES.schemaMismatch;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The bytes do not decode under the writer schema (bad enum index, bad length, trailing bytes, ...). */
export class MalformedPayloadError extends CodecError {
  readonly code = DLQ_ERROR_CLASSES.malformedPayload;
  constructor(
    readonly schemaId: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`malformed Avro payload for schema id ${schemaId}: ${detail}`, options);
  }
}

/** A record does not match its schema (encode side, NDJSON parse, decoded value re-check). */
export class InvalidRecordError extends CodecError {
  readonly code = DLQ_ERROR_CLASSES.invalidRecord;
  constructor(
    readonly typeName: string,
    /** Offending field paths, e.g. `party.type`, `rules.0.weight`, with the bad value. */
    readonly problems: readonly { path: string; value: unknown }[],
  ) {
    super(
      `invalid ${typeName}: ${problems
        .slice(0, 5)
        .map((p) => `${p.path || '(root)'} = ${describeValue(p.value)}`)
        .join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
    );
  }
  /** The field paths that failed validation. */
  get paths(): string[] {
    return this.problems.map((p) => p.path);
  }
}

/** The topic has no contract in this package. */
export class UnknownTopicError extends CodecError {
  readonly code = DLQ_ERROR_CLASSES.unknownTopic;
  constructor(readonly topic: string) {
    super(`no schema for topic ${topic}`);
  }
}

/** The schema registry could not be reached or answered with an unexpected status. Retriable. */
export class SchemaRegistryError extends CodecError {
  readonly code = DLQ_ERROR_CLASSES.schemaRegistry;
  override readonly retriable: boolean;
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown; retriable?: boolean },
  ) {
    super(message, options);
    this.retriable = options?.retriable ?? (status === undefined || status >= 500 || status === 429);
  }
}

export function isCodecError(err: unknown): err is CodecError {
  return err instanceof CodecError;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined (missing)';
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
}
