import type { AlertStatus, RuleHit, Severity } from '@zmwatch/schemas';

/**
 * What a VIN's state remembers about the last revision published for a declaration's alert. Written
 * in the same atomic state write as the rest of the batch, so revision numbers follow from the state
 * alone: a retried or replayed batch recomputes the same number, and a consumer that keeps the highest
 * revision per alertId (the later record at equal revisions) is not disturbed by a re-publication.
 */
export interface Published {
  /** Revision number last published (0 = the first alert). */
  revision: number;
  /** When revision 0 was raised (ms): every revision repeats it as `detectedAt`. */
  detectedAt: number;
  /** When the last revision was published (epoch seconds): the rate limit's clock. */
  publishedAt: number;
  /** verdictFingerprint() of the last published revision. */
  fingerprint: string;
  /** The last published revision was WITHDRAWN. */
  withdrawn: boolean;
  /** A change held back by the rate limit is re-evaluated at this time (epoch seconds; the sweeper finds it). */
  revisionDueAt?: number;
  /**
   * The change held back came from the reach-back alone (no event of the VIN since): published by
   * the sweeper, its revision says ENTITY, as it would have had the rate limit not held it back.
   */
  revisionDueForEntity?: true;
}

/**
 * Why a revision was published (the Alert's revisionReason). ENTITY: a re-evaluation requested by the
 * reach-back (an entity's count crossed a threshold) changed the verdict (evaluate-batch.ts sets it).
 */
export const REVISION_REASONS = [
  'EVIDENCE',
  // An entity the declaration belongs to crossed a threshold or changed its contribution (contract v3).
  'ENTITY',
  'REINSTATED',
  'CANCELLED',
  'REJECTED',
  'BELOW_THRESHOLD',
] as const;
export type RevisionReason = (typeof REVISION_REASONS)[number];

/** The withdrawal a customs event causes. */
export type WithdrawnBy = 'CANCELLED' | 'REJECTED';

/** The verdict an evaluation reaches now, reduced to what a revision is about. */
export interface Verdict {
  /** Set when customs cancelled or rejected the declaration. */
  withdrawnBy?: WithdrawnBy;
  /** The score reaches the alert threshold. */
  alert: boolean;
  score: number;
  severity: Severity | null;
  rules: readonly Pick<RuleHit, 'ruleId' | 'weight'>[];
}

/** ZM_DETECTOR_REVISION_MIN_INTERVAL_SECONDS's default. */
export const DEFAULT_REVISION_MIN_INTERVAL_SECONDS = 30;

export interface RevisionPolicy {
  /**
   * Least time between two revisions of one alert; an evidence change inside it is published when it
   * runs out (the sweeper re-evaluates). Withdrawals by customs are never held back.
   */
  minIntervalSeconds: number;
}

export type RevisionDecision =
  | { kind: 'none' }
  | { kind: 'publish'; revision: number; status: AlertStatus; reason: RevisionReason | null }
  | { kind: 'defer'; until: number };

/**
 * What a revision compares: status, then score, severity and the rules that fired with their weights
 * (not the display text or the facts, which change with every day that passes). 32-bit FNV-1a, base 36.
 */
export function verdictFingerprint(status: AlertStatus, v: Verdict): string {
  if (status === 'WITHDRAWN') return 'w';
  const rules = v.rules.map((r) => `${r.ruleId}=${r.weight}`).sort();
  const text = `${v.score}|${v.severity ?? ''}|${rules.join(',')}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36);
}

export function statusOf(v: Verdict): { status: AlertStatus; reason: RevisionReason } {
  if (v.withdrawnBy) return { status: 'WITHDRAWN', reason: v.withdrawnBy };
  if (!v.alert) return { status: 'WITHDRAWN', reason: 'BELOW_THRESHOLD' };
  return { status: 'ACTIVE', reason: 'EVIDENCE' };
}

/**
 * Does this verdict warrant a (new) revision of the declaration's alert? Pure.
 * - No alert yet: publish revision 0 when the verdict alerts (and customs has not withdrawn it).
 * - Same fingerprint as the last revision: nothing (a re-evaluation that changes nothing is silent).
 * - Withdrawn and still withdrawn (whatever the evidence now says): nothing; it speaks again only
 *   when it becomes ACTIVE (REINSTATED).
 * - A withdrawal by customs: at once. Any other change (score, severity, rules, below the threshold,
 *   reinstated): at once unless the last revision is younger than `minIntervalSeconds`, else deferred
 *   to when it is (then re-decided on what is known by then, so a burst of changes costs one revision).
 */
export function decideRevision(
  previous: Published | undefined,
  verdict: Verdict,
  policy: RevisionPolicy,
  nowSeconds: number,
): RevisionDecision {
  const { status, reason } = statusOf(verdict);
  if (!previous) {
    return status === 'ACTIVE' ? { kind: 'publish', revision: 0, status, reason: null } : { kind: 'none' };
  }
  if (previous.withdrawn && status === 'WITHDRAWN') return { kind: 'none' };
  if (verdictFingerprint(status, verdict) === previous.fingerprint) return { kind: 'none' };
  const next = {
    kind: 'publish' as const,
    revision: previous.revision + 1,
    status,
    reason: previous.withdrawn ? ('REINSTATED' as const) : reason,
  };
  if (verdict.withdrawnBy) return next;
  const allowedAt = previous.publishedAt + policy.minIntervalSeconds;
  return nowSeconds >= allowedAt ? next : { kind: 'defer', until: allowedAt };
}

/** The state's memory after publishing `decision` (a 'publish' one). */
export function publishedAfter(
  previous: Published | undefined,
  decision: Extract<RevisionDecision, { kind: 'publish' }>,
  verdict: Verdict,
  nowMs: number,
): Published {
  return {
    revision: decision.revision,
    detectedAt: previous?.detectedAt ?? nowMs,
    publishedAt: Math.floor(nowMs / 1000),
    fingerprint: verdictFingerprint(decision.status, verdict),
    withdrawn: decision.status === 'WITHDRAWN',
  };
}
