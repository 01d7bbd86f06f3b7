/** What `zmwatch` exit codes mean, for scripts. */
export const EXIT = {
  ok: 0,
  /** The operation failed (a server refused, Kafka errored, some records were rejected). */
  failure: 1,
  /** The command line was wrong; usage was printed. */
  usage: 2,
  /** The thing asked for does not exist, or the checked system is unhealthy. */
  notFoundOrUnhealthy: 3,
} as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
