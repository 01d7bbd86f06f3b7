/**
 * Consumer status in the manner of Burrow's evaluation rules, adapted to what an admin client can see
 * (committed offsets sampled on a timer, and the group's membership, rather than every commit).
 *
 * For each partition, over the sliding window of its last samples, the first rule that applies wins:
 *   1. no committed offset yet, or a lag of zero anywhere in the window            → OK
 *   2. the group has no members (state Empty/Dead) and the partition has lag        → STOPPED
 *      (Burrow's STOP: nobody is committing any more)
 *   3. fewer than `minSamples` samples                                              → OK (not enough data)
 *   4. the committed offset did not move across the whole window and lag > 0       → STALLED
 *      (Burrow's STALL: the consumer is alive but makes no progress)
 *   5. the offset moved, but the lag grew in every interval of the window           → WARN
 *      (the consumer is falling behind)
 *   6. otherwise                                                                    → OK
 * A group's status is its worst partition's (OK < WARN < STALLED < STOPPED).
 */
export const STATUSES = ['OK', 'WARN', 'STALLED', 'STOPPED'] as const;
export type LagStatus = (typeof STATUSES)[number];

export interface LagSample {
  /** Sample time, epoch ms. */
  t: number;
  /** Committed offset (next record to consume). */
  committed: number;
  /** Log end offset (high watermark). */
  high: number;
  /** high − committed, never negative. */
  lag: number;
  /** Age in ms of the oldest unconsumed record (0 when caught up), null when it could not be read. */
  timeLagMs: number | null;
}

export interface Evaluation {
  status: LagStatus;
  reason: string;
}

export interface RuleOptions {
  /** Samples needed before rules 4 and 5 judge a partition. */
  minSamples: number;
}

export const DEFAULT_RULE_OPTIONS: RuleOptions = { minSamples: 3 };

export function evaluatePartition(
  window: readonly LagSample[],
  groupHasMembers: boolean,
  opts: RuleOptions = DEFAULT_RULE_OPTIONS,
): Evaluation {
  const last = window[window.length - 1];
  if (!last) return { status: 'OK', reason: 'no samples yet' };
  if (window.some((s) => s.lag === 0)) return { status: 'OK', reason: 'caught up within the window' };
  if (!groupHasMembers) return { status: 'STOPPED', reason: `no consumer running, ${last.lag} waiting` };
  if (window.length < opts.minSamples) return { status: 'OK', reason: 'not enough samples yet' };
  const first = window[0]!;
  if (first.committed === last.committed) {
    return {
      status: 'STALLED',
      reason: `offset ${last.committed} unchanged for ${Math.round((last.t - first.t) / 1000)} s with lag ${last.lag}`,
    };
  }
  let growing = true;
  for (let i = 1; i < window.length; i++) if (window[i]!.lag <= window[i - 1]!.lag) growing = false;
  if (growing) return { status: 'WARN', reason: `lag grew in every sample (${first.lag} → ${last.lag})` };
  return { status: 'OK', reason: 'consuming' };
}

export function worstStatus(statuses: Iterable<LagStatus>): LagStatus {
  let worst = 0;
  for (const s of statuses) worst = Math.max(worst, STATUSES.indexOf(s));
  return STATUSES[worst]!;
}

/** A bounded FIFO of samples (the sliding window and the chart history). */
export function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}
