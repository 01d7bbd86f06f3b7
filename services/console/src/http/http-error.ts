/** An error the API reports to the client as `{ error }` with this status (4xx: the caller's fault). */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);

/**
 * A service behind the console (Temporal, Kafka) failed: the client gets 503 with `message` and a
 * log reference; `cause` (the upstream's own text) goes to the log only.
 */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}
