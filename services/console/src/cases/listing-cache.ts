/**
 * Queue listings that never keep an analyst waiting on a busy store. Every open queue page polls; a
 * poll that falls to visibility (decided statuses, breached cases, Redis down) is a visibility query,
 * which on a loaded dev server (SQLite) takes from a few hundred ms to seconds. So:
 * - a listing younger than `freshMs` (`freshMsOf` it: shorter for the projection's cheap listings)
 *   is served as it is (all pollers of a queue share one query);
 * - otherwise one query runs for all callers of the same key; a caller waits for it at most
 *   `deadlineMs`, then gets the last listing, marked stale with its age (the query goes on and
 *   refreshes the entry for the next poll);
 * - with no earlier listing there is nothing better to show, and the caller waits for the query.
 */

export interface Listed<T> {
  value: T;
  /** When the query that produced `value` answered (ms since the epoch). */
  at: number;
  /** True when a newer listing was asked for and did not come within the deadline. */
  stale: boolean;
}

export interface ListingCacheOptions<T = unknown> {
  freshMs: number;
  /** How long this listing is fresh, when it depends on the listing (default `freshMs`). */
  freshMsOf?: (value: T) => number;
  deadlineMs: number;
  maxEntries: number;
  now?: () => number;
}

/**
 * A listing read from the Redis projection (workflows case-queue-store.ts: a few ms) is shared for
 * this long only, so a new case reaches the pollers within the poll interval, not a second later.
 */
export const PROJECTION_LISTING_FRESH_MS = 200;

/** Defaults: a poll every few seconds per open page; under the queue page's 1 s budget. */
export const LISTING_CACHE_DEFAULTS: ListingCacheOptions = {
  freshMs: 1_000,
  deadlineMs: 700,
  maxEntries: 500,
};

export function createListingCache<T>(opts: ListingCacheOptions<T> = LISTING_CACHE_DEFAULTS) {
  const now = opts.now ?? Date.now;
  const last = new Map<string, { value: T; at: number }>();
  const inFlight = new Map<string, Promise<{ value: T; at: number }>>();

  function refresh(key: string, load: () => Promise<T>): Promise<{ value: T; at: number }> {
    let p = inFlight.get(key);
    if (p) return p;
    p = load()
      .then((value) => {
        const entry = { value, at: now() };
        last.delete(key);
        last.set(key, entry);
        if (last.size > opts.maxEntries) last.delete(last.keys().next().value!);
        return entry;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, p);
    return p;
  }

  async function get(key: string, load: () => Promise<T>): Promise<Listed<T>> {
    const prev = last.get(key);
    if (prev && now() - prev.at < (opts.freshMsOf?.(prev.value) ?? opts.freshMs))
      return { ...prev, stale: false };
    const fresh = refresh(key, load);
    if (!prev) return { ...(await fresh), stale: false };
    // The query goes on after the deadline (its result serves the next poll): never unhandled.
    fresh.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>(
      (resolve) => (timer = setTimeout(() => resolve(undefined), opts.deadlineMs)),
    );
    try {
      const got = await Promise.race([fresh.catch(() => undefined), late]);
      return got ? { ...got, stale: false } : { ...prev, stale: true };
    } finally {
      clearTimeout(timer);
    }
  }
  /** Every listing held, newest first, with when it was listed. */
  function* held(): Generator<{ value: T; at: number }> {
    yield* [...last.values()].reverse();
  }
  return Object.assign(get, { held });
}
