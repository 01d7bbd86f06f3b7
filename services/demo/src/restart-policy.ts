/**
 * When a supervised demo service dies: how long to wait before restarting it, and when to stop
 * trying. Pure (no clock, no processes) so the schedule and the give-up rule are unit-tested.
 *
 * Backoff doubles per consecutive rapid crash and is capped, as systemd's `RestartSec` with
 * `RestartSteps`/`RestartMaxDelaySec` or Kubernetes' CrashLoopBackOff do: a service that keeps dying
 * at start-up (bad config, a port taken) is not restarted in a tight loop, and one that ran for a
 * while and then died is restarted at once, as if for the first time.
 */
export interface RestartPolicy {
  /** Wait before the first restart after a rapid crash. */
  readonly baseMs: number;
  /** Multiplier per further consecutive rapid crash. */
  readonly factor: number;
  /** Longest wait between restarts. */
  readonly capMs: number;
  /** A run at least this long was healthy: the crash count and backoff start over. */
  readonly stableMs: number;
  /** Give up after this many consecutive rapid crashes (each run shorter than `stableMs`). */
  readonly maxRapidCrashes: number;
}

/** 1 s, 2 s, 4 s, 8 s, then give up after the 5th rapid crash (~15 s of trying). */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  baseMs: 1_000,
  factor: 2,
  capMs: 15_000,
  stableMs: 30_000,
  maxRapidCrashes: 5,
};

/** Consecutive rapid crashes so far (0 after a stable run). */
export interface CrashStreak {
  readonly rapidCrashes: number;
}

export const NO_CRASHES: CrashStreak = { rapidCrashes: 0 };

export type RestartDecision =
  | { readonly action: 'restart'; readonly delayMs: number; readonly streak: CrashStreak }
  | { readonly action: 'give-up'; readonly reason: string; readonly streak: CrashStreak };

/** Wait before the restart that follows the `n`-th consecutive rapid crash (n ≥ 1), capped. */
export function backoffMs(n: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): number {
  if (n <= 1) return policy.baseMs;
  return Math.min(policy.capMs, policy.baseMs * policy.factor ** (n - 1));
}

/**
 * What to do after a process that ran for `uptimeMs` died. A crash after a stable run restarts
 * with no wait (the streak starts over: it is a new incident, not a crash loop).
 */
export function decideRestart(
  streak: CrashStreak,
  uptimeMs: number,
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
): RestartDecision {
  if (uptimeMs >= policy.stableMs) return { action: 'restart', delayMs: 0, streak: NO_CRASHES };
  const rapidCrashes = streak.rapidCrashes + 1;
  const next = { rapidCrashes };
  if (rapidCrashes >= policy.maxRapidCrashes) {
    return {
      action: 'give-up',
      reason: `${rapidCrashes} crashes in a row, each within ${Math.round(policy.stableMs / 1000)} s of starting`,
      streak: next,
    };
  }
  return { action: 'restart', delayMs: backoffMs(rapidCrashes, policy), streak: next };
}

/** `backoff 1, 2, 4, 8 s; gives up after 5 quick crashes` — the schedule in words, for the banner. */
export function describePolicy(policy: RestartPolicy = DEFAULT_RESTART_POLICY): string {
  const waits = Array.from({ length: policy.maxRapidCrashes - 1 }, (_, i) => backoffMs(i + 1, policy) / 1000);
  return `backoff ${waits.join(', ')} s; gives up after ${policy.maxRapidCrashes} crashes within ${policy.stableMs / 1000} s of starting`;
}
