/**
 * Sign-in throttling with exponential backoff, per user name and per client address. Each key counts
 * its failed sign-ins; once a key has failed `freeAttempts` times it is locked for `baseDelayMs`, and
 * every further failure (possible only after the lock ends) doubles the lock, up to `maxDelayMs`.
 * While a key is locked every attempt is refused before the password is checked — the right password
 * too — so a guesser gains nothing from trying during a lock, and scrypt work is not spent on it.
 *
 * An attempt is counted as failed when it starts and taken back when it succeeds, so guesses sent in
 * parallel are counted before their scrypt checks finish (otherwise 200 concurrent guesses would all
 * pass the check). The attempt that reaches the limit locks its key at once, provisionally for
 * `maxDelayMs`; when it is known to have failed the lock is set to run its length from then (so a
 * slow scrypt on a loaded machine does not use the lock up), and a success lifts it. A success clears the user's key; it takes back only its own count on the address,
 * so one known account cannot be used to reset an address that is guessing others' passwords.
 */
export interface ThrottleOptions {
  /** Failures per user name before the first lock. */
  userFreeAttempts: number;
  /** Failures per client address (any user names) before the first lock. */
  addressFreeAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Keys tracked at most (memory bound); the least recently failed are forgotten first. */
  maxTracked: number;
  now?: () => number;
}

export type ThrottleScope = 'user' | 'address';

export interface Lockout {
  scope: ThrottleScope;
  key: string;
  failures: number;
  lockedForMs: number;
}

export interface Attempt {
  /** The password was wrong: keeps the counts; returns the locks this attempt started. */
  failed(): Lockout[];
  /** The password was right: clears the user's failures and takes back this attempt on the address. */
  succeeded(): void;
}

export interface LoginThrottle {
  /** Milliseconds until the longest lock on this user or address ends; 0 when neither is locked. */
  retryAfterMs(user: string, address: string): number;
  /** Starts an attempt (counted as failed until `succeeded()`). */
  begin(user: string, address: string): Attempt;
  /** Keys tracked (tests, metrics). */
  size(): number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastFailureAt: number;
}

export function createLoginThrottle(opts: ThrottleOptions): LoginThrottle {
  const now = opts.now ?? Date.now;
  // Failures older than this are forgotten: a user who mistypes once a week is never locked for it.
  const forgetAfterMs = Math.max(3_600_000, 2 * opts.maxDelayMs);
  // Map order is least recently failed first (an entry is re-inserted on each failure).
  const entries = new Map<string, Entry>();
  const id = (scope: ThrottleScope, key: string) => `${scope}\u0000${key}`;
  const free = (scope: ThrottleScope) =>
    scope === 'user' ? opts.userFreeAttempts : opts.addressFreeAttempts;

  const live = (k: string, t: number): Entry | undefined => {
    const e = entries.get(k);
    if (e && t - e.lastFailureAt > forgetAfterMs && e.lockedUntil <= t) {
      entries.delete(k);
      return undefined;
    }
    return e;
  };

  const lockFor = (scope: ThrottleScope, failures: number) => {
    const over = failures - free(scope);
    if (over < 0) return 0;
    // 2 ** over overflows to Infinity for huge counts; min() caps it.
    return Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.min(over, 52));
  };

  const fail = (
    scope: ThrottleScope,
    key: string,
    t: number,
  ): { lock: Lockout; entry: Entry } | undefined => {
    const k = id(scope, key);
    const e = live(k, t) ?? { failures: 0, lockedUntil: 0, lastFailureAt: t };
    entries.delete(k);
    e.failures += 1;
    e.lastFailureAt = t;
    entries.set(k, e);
    while (entries.size > opts.maxTracked) entries.delete(entries.keys().next().value!);
    const ms = lockFor(scope, e.failures);
    if (ms === 0) return undefined;
    e.lockedUntil = t + opts.maxDelayMs;
    return { lock: { scope, key, failures: e.failures, lockedForMs: ms }, entry: e };
  };

  const takeBack = (scope: ThrottleScope, key: string) => {
    const k = id(scope, key);
    const e = entries.get(k);
    if (!e) return;
    e.failures = Math.max(0, e.failures - 1);
    // The lock this attempt started (if any) no longer applies; an earlier one still does.
    if (lockFor(scope, e.failures) === 0) e.lockedUntil = 0;
    if (e.failures === 0) entries.delete(k);
  };

  return {
    retryAfterMs(user, address) {
      const t = now();
      const until = Math.max(
        live(id('user', user), t)?.lockedUntil ?? 0,
        live(id('address', address), t)?.lockedUntil ?? 0,
      );
      return Math.max(0, until - t);
    },
    begin(user, address) {
      const t = now();
      const locks = [fail('user', user, t), fail('address', address, t)].filter((l) => l !== undefined);
      let settled = false;
      return {
        failed() {
          if (settled) return [];
          settled = true;
          const end = now();
          for (const { lock, entry } of locks) entry.lockedUntil = end + lock.lockedForMs;
          return locks.map((l) => l.lock);
        },
        succeeded() {
          if (settled) return;
          settled = true;
          entries.delete(id('user', user));
          takeBack('address', address);
        },
      };
    },
    size() {
      return entries.size;
    },
  };
}
