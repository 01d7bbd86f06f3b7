/**
 * Error classes drive the consumer's one important decision: retry the batch (nothing is committed)
 * or dead-letter the record and move on. Anything unclassified is treated as retriable, because
 * retrying a poison record is visible (lag grows, logs repeat) while dead-lettering a good one loses it.
 */
export class NonRetriableError extends Error {
  override readonly name: string = 'NonRetriableError';
  constructor(
    message: string,
    /** Short machine-readable class, written to the DLQ headers (e.g. `undecodable`, `invalid-vin`). */
    readonly errorClass: string = 'non-retriable',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The DLQ convention (schemas' errorClassOf) reads an error's class from `code`. */
  get code(): string {
    return this.errorClass;
  }
}

export class RetriableError extends Error {
  override readonly name: string = 'RetriableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function isNonRetriable(err: unknown): err is NonRetriableError {
  return err instanceof NonRetriableError;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
