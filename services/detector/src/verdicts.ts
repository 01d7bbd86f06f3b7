import type { Alert } from '@zmwatch/schemas';
import { buildAlert } from './alert.js';
import type { MergeResult } from './apply-events.js';
import type { EntityCounts } from './entity-windows.js';
import { judge, renderEvaluation, type EvaluationSubject, type Judgement } from './evaluate.js';
import {
  decideRevision,
  publishedAfter,
  type Published,
  type RevisionPolicy,
  type Verdict,
} from './revision.js';
import type { Ruleset } from './ruleset.js';
import type { TimelineDeclaration } from './timeline.js';
import type { CancelledDeclaration, OpenDeclaration } from './vin-state.js';

/** The outcome for one declaration: what to publish, and what to record once it is acknowledged. */
export interface DeclarationOutcome {
  declarationId: string;
  /** The revision to publish; null when nothing changed for consumers. */
  alert: Alert | null;
  /** What the rules decided (rendered into the alert only when one is published). */
  evaluation: Judgement;
  /** recordVerdict arguments: whether the declaration has an alert, and its revision memory. */
  alerted: boolean;
  published?: Published;
  /** A change held back by the rate limit (published.revisionDueAt set). */
  deferred: boolean;
}

/**
 * What brought the VIN into this evaluation: its own events; only a reach-back request (an entity
 * count crossed a threshold); or only a deadline (grace period, re-check, a held-back revision: the
 * sweeper). A change the reach-back alone caused is revised with reason ENTITY, also when the rate
 * limit holds it back and the sweeper publishes it (Published.revisionDueForEntity remembers it).
 */
export type EvaluationTrigger = 'events' | 'entity' | 'deadline';

/**
 * Evaluate every due declaration and pending withdrawal of one merged VIN and decide, per
 * declaration, whether a revision (0 = the first alert) is published. Pure: the processor and the
 * quality model share it, so both reach the same revisions from the same state.
 */
export function decideVerdicts(
  subject: EvaluationSubject,
  merged: Pick<MergeResult, 'due' | 'withdrawals'>,
  ruleset: Ruleset,
  policy: RevisionPolicy,
  nowMs: number,
  entitiesOf?: (decl: OpenDeclaration) => EntityCounts | undefined,
  trigger: EvaluationTrigger = 'events',
): DeclarationOutcome[] {
  const out: DeclarationOutcome[] = [];
  const run: Run = { subject, ruleset, policy, nowMs, trigger };
  for (const decl of merged.due) {
    const current = decl.status === 'alerted' && decl.alertedVersion === ruleset.version;
    const previous = current ? (decl.published ?? legacyRevision0(nowMs)) : undefined;
    out.push(decide(run, decl, decl, previous, undefined, entitiesOf?.(decl)));
  }
  for (const tomb of merged.withdrawals) {
    const m = tomb.alerted!;
    const decl = asDeclaration(tomb);
    const timelineDecl = { ...decl, withdrawn: { by: tomb.withdrawnBy, time: tomb.eventTime } };
    out.push(decide(run, decl, timelineDecl, m.published, tomb.withdrawnBy, entitiesOf?.(decl)));
  }
  return out;
}

/** What every declaration of one decideVerdicts call shares. */
interface Run {
  subject: EvaluationSubject;
  ruleset: Ruleset;
  policy: RevisionPolicy;
  nowMs: number;
  trigger: EvaluationTrigger;
}

/** The outcome for one declaration (a module function, not a closure per call: it runs per VIN). */
function decide(
  run: Run,
  decl: OpenDeclaration,
  timelineDecl: TimelineDeclaration & { declarationId: string },
  previous: Published | undefined,
  withdrawnBy: Verdict['withdrawnBy'],
  entityCounts: EntityCounts | undefined,
): DeclarationOutcome {
  const { subject, ruleset, nowMs, trigger } = run;
  const evaluation = judge(subject, decl, ruleset, entityCounts);
  const verdict: Verdict = {
    alert: evaluation.alert,
    score: evaluation.score,
    severity: evaluation.severity,
    rules: evaluation.rules,
  };
  if (withdrawnBy) verdict.withdrawnBy = withdrawnBy;
  const decision = decideRevision(previous, verdict, run.policy, Math.floor(nowMs / 1000));
  const declarationId = decl.declarationId;
  if (decision.kind === 'publish') {
    const published = publishedAfter(previous, decision, verdict, nowMs);
    const rendered = renderEvaluation(evaluation);
    const byEntity =
      trigger === 'entity' || (trigger === 'deadline' && previous?.revisionDueForEntity === true);
    const alert = buildAlert(subject.vin, subject.state, timelineDecl, rendered, ruleset.version, {
      revision: decision.revision,
      status: decision.status,
      reason: byEntity && decision.reason === 'EVIDENCE' ? 'ENTITY' : decision.reason,
      detectedAt: published.detectedAt,
      revisedAt: nowMs,
    });
    return { declarationId, evaluation, alert, alerted: true, published, deferred: false };
  }
  const alerted = previous !== undefined;
  if (decision.kind === 'defer') {
    const due = Math.min(previous?.revisionDueAt ?? Infinity, decision.until);
    // ENTITY while no event of the VIN took part in the change held back (deadlines add nothing).
    const byEntity =
      trigger === 'entity'
        ? previous!.revisionDueAt === undefined || previous!.revisionDueForEntity === true
        : trigger === 'deadline' && previous!.revisionDueForEntity === true;
    const published = publishedWithoutDue(previous!);
    published.revisionDueAt = due;
    if (byEntity) published.revisionDueForEntity = true;
    return { declarationId, evaluation, alert: null, alerted, published, deferred: true };
  }
  if (previous?.revisionDueAt !== undefined) {
    // The change that was held back is gone again: nothing left to publish.
    const published = publishedWithoutDue(previous);
    return { declarationId, evaluation, alert: null, alerted, published, deferred: false };
  }
  return { declarationId, evaluation, alert: null, alerted, deferred: false };
}

/** The revision memory without a held-back change (a copy: the previous one stays as it was). */
function publishedWithoutDue(p: Published): Published {
  return {
    revision: p.revision,
    detectedAt: p.detectedAt,
    publishedAt: p.publishedAt,
    fingerprint: p.fingerprint,
    withdrawn: p.withdrawn,
  };
}

/** An alert published before revisions existed: revision 0, content unknown (any verdict differs). */
function legacyRevision0(nowMs: number): Published {
  return { revision: 0, detectedAt: nowMs, publishedAt: 0, fingerprint: '', withdrawn: false };
}

/** The declaration version that alerted, rebuilt from a tombstone's memory. */
function asDeclaration(tomb: CancelledDeclaration): OpenDeclaration {
  const { declarationTime, firstSeenAt, alertedVersion, published, ...facts } = tomb.alerted!;
  return {
    declarationId: tomb.declarationId,
    status: 'alerted',
    alertedVersion,
    published,
    eventTime: declarationTime,
    firstSeenAt,
    ...facts,
  };
}
