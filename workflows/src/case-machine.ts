/**
 * The case as a pure state machine: every transition, validation, routing and SLA decision of the case
 * workflow, with no Temporal API in it (time and the routing patch come in through `CaseMachineOptions`),
 * so it is unit-tested without a server (workflows/test/case-machine.unit.test.ts). The workflow
 * (workflows/case-workflow.ts) hands every handler to it and commits the result: one place bumps the
 * epoch the main loop waits on and upserts the search attributes that changed.
 *
 * Deterministic code only: it runs inside the workflow sandbox.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { maxSeverity, routeQueue, slaFor, type RouteInput } from './case-rules.js';
import {
  alertRevision,
  caseTypologies,
  describeRevision,
  holderOf,
  isWithdrawn,
  latestRevisions,
} from './case-revisions.js';
import {
  DEFAULT_RING_MEMBERS_ACTION,
  isRingMembersAction,
  membersNamed,
  RING_MEMBERS_ACTIONS,
  type RingDecisionInput,
} from './ring-case.js';
import {
  caseIdFor,
  OPEN_CASE_STATUSES,
  SA,
  SEVERITIES,
  severityRank,
  type AddNoteInput,
  type AuditEntry,
  type CaseAlert,
  type CaseConfig,
  type CaseInput,
  type CaseNotification,
  type CaseResult,
  type CaseState,
  type ClaimInput,
  type DecideInput,
  type Decision,
  type HoldRecommendationInput,
  type OutcomeInput,
  type OverrideInput,
  type ReassignInput,
  type ReleaseInput,
  type RequestInfoInput,
} from './shared.js';

/** A validator's verdict on analyst input; the workflow turns it into an `InvalidCaseAction` failure. */
export class InvalidCaseActionError extends Error {
  override readonly name = 'InvalidCaseActionError';
}

function reject(message: string): never {
  throw new InvalidCaseActionError(message);
}

function requireText(value: unknown, field: string, max = 4_000): void {
  if (typeof value !== 'string' || value.trim().length === 0) reject(`${field} is required`);
  if (value.length > max) reject(`${field} is longer than ${max} characters`);
}

const OPEN_STATUSES: ReadonlySet<string> = new Set(OPEN_CASE_STATUSES);
const validDecision = (d: unknown) => d === 'confirm' || d === 'dismiss';

/** A case before its first alert: open, in `queue`, nothing known (the machine's start; a summary page's frame). */
export function blankCaseState(caseId: string, vin: string, queue: string, openedAt: string): CaseState {
  return {
    caseId,
    vin,
    status: 'open',
    queue,
    severity: 'LOW',
    score: 0,
    assignee: null,
    destinationCountry: null,
    registrantId: null,
    firstRegistrantId: null,
    jurisdiction: null,
    openedAt,
    slaDueAt: null,
    escalations: 0,
    evidence: [],
    facts: {},
    notes: [],
    infoRequests: [],
    decision: null,
    withdrawal: null,
    audit: [],
    priorAlertIds: [],
    previousDecisions: [],
    reopenedFromRunId: null,
  };
}

export interface CaseMachineOptions {
  /** Workflow time in ms (`Date.now()` in the workflow). */
  now(): number;
  /**
   * Whether the v2 routing (severity + destination) applies: `patched('routing-by-destination')` in
   * the workflow. Asked only when the destination would change the queue, because the first `patched`
   * call of a run also upserts TemporalChangeVersion (a visibility write).
   */
  routingByDestination(): boolean;
  /** The SLA due time the escalator pre-set for the opening alert (a search attribute of the start event). */
  presetSlaDueAt?: Date | undefined;
  /**
   * Whether a higher revision of an alert the case holds is applied (`patched('alert-revisions')`):
   * runs from before revisions existed ignored it as a duplicate. Asked only when such a revision
   * arrives. Default: applied.
   */
  alertRevisions?: () => boolean;
}

export class CaseMachine {
  readonly state: CaseState;
  /** New alerts that arrive after the decision: they reopen the case as a new run. */
  readonly lateAlerts: CaseAlert[] = [];
  /**
   * Bumped by every transition the main loop or visibility depends on (status, assignee, SLA, queue,
   * evidence, decision); not by notes, information requests or bookkeeping audit entries.
   */
  revision = 0;

  constructor(
    private readonly input: CaseInput,
    private readonly opts: CaseMachineOptions,
  ) {
    // States carried from runs before alert revisions lack their fields.
    const c = input.carried;
    const carried = c && {
      ...c,
      firstRegistrantId: c.firstRegistrantId ?? null,
      withdrawal: c.withdrawal ?? null,
    };
    this.state = carried ?? {
      ...blankCaseState(input.caseId, input.vin, input.config.routing.standardQueue, this.nowIso()),
      priorAlertIds: input.reopen?.priorAlertIds ?? [],
      previousDecisions: input.reopen?.previousDecisions ?? [],
      reopenedFromRunId: input.reopen?.fromRunId ?? null,
      ...(input.ring ? { ring: { ...input.ring, members: [...input.ring.members] } } : {}),
    };
  }

  private get config(): CaseConfig {
    return this.input.config;
  }

  private nowIso(): string {
    return new Date(this.opts.now()).toISOString();
  }

  private changed(): void {
    this.revision++;
  }

  private audit(by: string, action: AuditEntry['action'], detail?: string): void {
    const entry: AuditEntry = { at: this.nowIso(), by, action };
    if (detail !== undefined) entry.detail = detail;
    this.state.audit.push(entry);
  }

  // --- routing and SLA ---------------------------------------------------------------------

  /** The queue for the case as it is: v2 routing unless the run predates the patch. */
  route(input: RouteInput): string {
    const v2 = routeQueue(this.config, input, true);
    return v2 === routeQueue(this.config, input, false) || this.opts.routingByDestination()
      ? v2
      : routeQueue(this.config, input, false);
  }

  private reroute(by: string): void {
    const s = this.state;
    const queue = this.route({
      severity: s.severity,
      destinationCountry: s.destinationCountry,
      escalated: s.escalations > 0,
    });
    if (queue !== s.queue) {
      this.audit(by, 'rerouted', `${s.queue} -> ${queue}`);
      s.queue = queue;
    }
  }

  private startSla(): void {
    this.state.slaDueAt = new Date(this.opts.now() + slaFor(this.config, this.state.severity)).toISOString();
  }

  /** Milliseconds until the SLA breaches while its timer runs (open or in review); null when none runs. */
  slaRemainingMs(): number | null {
    const s = this.state;
    if (s.slaDueAt === null || (s.status !== 'open' && s.status !== 'in_review')) return null;
    return Date.parse(s.slaDueAt) - this.opts.now();
  }

  // --- evidence ----------------------------------------------------------------------------

  get hasEvidence(): boolean {
    return this.state.evidence.length > 0;
  }

  get decided(): boolean {
    return this.state.decision !== null;
  }

  /** Decided, or closed because every alert was withdrawn before anyone claimed the case. */
  get closed(): boolean {
    return this.decided || this.state.status === 'withdrawn';
  }

  /** The alerts a reopened run starts with (set by continue-as-new after a decision). */
  get reopenAlerts(): readonly CaseAlert[] {
    return this.input.reopen?.alerts ?? [];
  }

  /** The revision of `alertId` this run holds (its latest), if any. */
  private heldRevision(alertId: string): CaseAlert | undefined {
    let held: CaseAlert | undefined;
    for (const { alert } of this.state.evidence)
      if (alert.alertId === alertId && (!held || alertRevision(alert) > alertRevision(held))) held = alert;
    return held;
  }

  /**
   * One alert signal. A new alert id opens the case or adds evidence (severity and score only rise); a
   * higher revision of an alert the case holds makes the case follow its alerts' latest revisions
   * (`followRevision`); an equal or older revision, or an alert of an earlier run, is a duplicate. After
   * the case is closed a new alert id waits to reopen it, a revision is only recorded.
   */
  applyAlert(alert: CaseAlert): void {
    const s = this.state;
    if (s.ring) this.addMembers(alert);
    const held = this.heldRevision(alert.alertId);
    const isRevision =
      held !== undefined && alertRevision(alert) > alertRevision(held) && this.revisionsApply();
    if (
      !isRevision &&
      (held !== undefined ||
        s.priorAlertIds.includes(alert.alertId) ||
        this.lateAlerts.some((a) => a.alertId === alert.alertId))
    ) {
      this.audit(
        'system',
        'duplicate-alert-ignored',
        alertRevision(alert) > 0 ? `${alert.alertId} rev ${alertRevision(alert)}` : alert.alertId,
      );
      return;
    }
    if (isRevision) {
      this.applyRevision(alert);
      return;
    }
    if (this.closed) {
      this.lateAlerts.push(alert);
      return;
    }
    const first = s.evidence.length === 0;
    const before = s.severity;
    s.evidence.push({ alert, appliedAt: this.nowIso() });
    // A withdrawn alert adds no weight (it can only arrive first if its active revisions never did).
    if (!isWithdrawn(alert)) {
      s.severity = first ? alert.severity : maxSeverity(s.severity, alert.severity);
      s.score = first ? alert.score : Math.max(s.score, alert.score);
    }
    this.takeParties(alert);
    if (first) {
      s.openedAt = this.nowIso();
      s.queue = this.route({
        severity: s.severity,
        destinationCountry: s.destinationCountry,
        escalated: false,
      });
      this.startSla();
      // Keep the escalator's due time when it is not later than ours: the case is then already
      // visible exactly as it is, and the first task needs no upsert.
      const preset = this.opts.presetSlaDueAt;
      if (preset && preset.getTime() <= Date.parse(s.slaDueAt!)) s.slaDueAt = preset.toISOString();
      this.audit(
        'system',
        s.reopenedFromRunId ? 'reopened' : 'opened',
        `${alert.alertId} ${alert.severity} score=${alert.score} -> ${s.queue}`,
      );
    } else {
      this.audit('system', 'evidence-added', `${alert.alertId} ${alert.severity} score=${alert.score}`);
      // Worse evidence tightens a running SLA; it never loosens one.
      if (s.severity !== before) this.tightenSla();
      this.reroute('system');
    }
    if (!isWithdrawn(alert)) s.withdrawal = null;
    else if (latestRevisions(s.evidence).every(isWithdrawn)) this.withdraw(alert);
    this.changed();
  }

  private revisionsApply(): boolean {
    return this.opts.alertRevisions?.() ?? true;
  }

  /** The parties and places of the alert's declaration (later alerts win). */
  private takeParties(alert: CaseAlert): void {
    const s = this.state;
    s.destinationCountry = alert.destinationCountry;
    s.registrantId = holderOf(alert)?.id ?? s.registrantId;
    s.firstRegistrantId = alert.firstRegistrant?.id ?? s.firstRegistrantId;
    s.jurisdiction = alert.jurisdiction ?? s.jurisdiction;
    Object.assign(s.facts, alert.facts);
  }

  /** Worse evidence: the SLA becomes now + the new severity's, when that is sooner. */
  private tightenSla(): void {
    const s = this.state;
    if (s.slaDueAt === null) return;
    const tighter = this.opts.now() + slaFor(this.config, s.severity);
    if (tighter < Date.parse(s.slaDueAt)) s.slaDueAt = new Date(tighter).toISOString();
  }

  /**
   * A later revision of an alert the case holds. The case takes the highest severity (and score) of its
   * alerts' latest active revisions: a higher one re-routes it and tightens the SLA; a lower one moves
   * an unclaimed case (queue, and the SLA it would have had from opening), and is only recorded when
   * the case is claimed, escalated or its severity was set by a supervisor. When no active alert is
   * left, the declaration is withdrawn (`withdraw`). After a decision a revision is only recorded.
   */
  private applyRevision(alert: CaseAlert): void {
    const s = this.state;
    s.evidence.push({ alert, appliedAt: this.nowIso() });
    const what = describeRevision(alert);
    if (s.status === 'withdrawn' && !isWithdrawn(alert)) {
      // Reinstated (ACTIVE again) after its withdrawal closed the case: reopen it as a new run, as a
      // new alert does after a decision.
      this.audit('system', 'revised', `${what}; reinstated: the case reopens`);
      this.lateAlerts.push(alert);
      return;
    }
    this.audit('system', 'revised', this.closed ? `${what}; the case is ${s.status}, nothing moves` : what);
    if (this.closed) return;
    this.takeParties(alert);
    const active = latestRevisions(s.evidence).filter((a) => !isWithdrawn(a));
    if (active.length === 0) {
      if (s.withdrawal === null) this.withdraw(alert);
      this.changed();
      return;
    }
    s.withdrawal = null;
    const severity = active.map((a) => a.severity).reduce(maxSeverity);
    const score = Math.max(...active.map((a) => a.score));
    const cause = `${alert.alertId} rev ${alertRevision(alert)}`;
    const rank = SEVERITIES.indexOf(severity) - SEVERITIES.indexOf(s.severity);
    // Open means unclaimed and not escalated.
    const movable = s.status === 'open' && !this.severityOverridden();
    if (rank > 0) {
      this.audit('system', 'severity-raised', `${s.severity} -> ${severity} (${cause})`);
      s.severity = severity;
      s.score = score;
      this.tightenSla();
      this.reroute('system');
    } else if (rank < 0 && movable) {
      this.audit('system', 'severity-lowered', `${s.severity} -> ${severity} (${cause})`);
      s.severity = severity;
      s.score = score;
      // The SLA it would have had from opening, never one sooner than it has.
      const relaxed = Date.parse(s.openedAt) + slaFor(this.config, severity);
      if (s.slaDueAt !== null && relaxed > Date.parse(s.slaDueAt))
        s.slaDueAt = new Date(relaxed).toISOString();
      this.reroute('system');
    } else if (rank < 0) {
      const why =
        s.assignee !== null
          ? `claimed by ${s.assignee}`
          : s.status === 'escalated'
            ? 'escalated'
            : 'severity set by a supervisor';
      this.audit(
        'system',
        'severity-lower-recorded',
        `${cause} says ${severity}; the case stays ${s.severity} (${why})`,
      );
    } else if (score > s.score || movable) {
      s.score = score;
    }
    this.changed();
  }

  private severityOverridden(): boolean {
    return this.state.audit.some((e) => e.action === 'overridden' && e.detail?.startsWith('severity'));
  }

  /**
   * Every alert of the case is withdrawn. Nobody has claimed it: it closes as `withdrawn` (no decision,
   * no outcome, no hold). Someone has: a system note and `state.withdrawal` tell the assignee, who
   * decides it as any other case.
   */
  private withdraw(alert: CaseAlert): void {
    const s = this.state;
    const reason = alert.revisionReason ?? null;
    s.withdrawal = { at: this.nowIso(), alertId: alert.alertId, revision: alertRevision(alert), reason };
    const cause = `${alert.alertId} rev ${alertRevision(alert)}${reason ? ` (${reason})` : ''}`;
    if (s.assignee === null) {
      this.closeWithdrawn(`${cause}: closed, nobody had claimed it`);
      return;
    }
    s.notes.push({
      by: 'system',
      at: this.nowIso(),
      text: `Declaration withdrawn: ${cause}. No active alert is left on this case; decide it (a dismissal, unless the withdrawal itself is suspicious).`,
    });
    this.audit('system', 'declaration-withdrawn', `${cause}: assignee ${s.assignee} notified`);
  }

  private closeWithdrawn(detail: string): void {
    const s = this.state;
    s.status = 'withdrawn';
    s.slaDueAt = null;
    this.audit('system', 'declaration-withdrawn', detail);
  }

  // --- analyst actions: check* validates (throws InvalidCaseActionError), the verb applies ---

  private isSupervisor(id: string): boolean {
    return this.config.supervisors.length === 0 || this.config.supervisors.includes(id);
  }

  private requireOpen(): void {
    if (this.state.evidence.length === 0) reject('case has no evidence yet');
    if (!OPEN_STATUSES.has(this.state.status)) reject(`case is ${this.state.status}`);
  }

  checkClaim({ by }: ClaimInput): void {
    requireText(by, 'by', 200);
    this.requireOpen();
    if (this.state.assignee !== null) reject(`case is already claimed by ${this.state.assignee}`);
  }

  claim({ by }: ClaimInput): void {
    const s = this.state;
    s.assignee = by;
    // Claiming an escalated case takes it back into review with a fresh SLA (the queue stays supervisor).
    if (s.status === 'escalated') this.startSla();
    s.status = 'in_review';
    this.audit(by, 'claimed');
    this.changed();
  }

  checkRelease({ by }: ReleaseInput): void {
    requireText(by, 'by', 200);
    this.requireOpen();
    if (this.state.assignee !== by)
      reject(`only the assignee (${this.state.assignee ?? 'nobody'}) can release the case`);
  }

  release({ by }: ReleaseInput): void {
    const s = this.state;
    s.assignee = null;
    s.status = s.escalations > 0 && s.queue === this.config.routing.supervisorQueue ? 'escalated' : 'open';
    if (s.status === 'escalated') s.slaDueAt = null;
    this.audit(by, 'released');
    // Released after its declaration was withdrawn: nothing is left to review.
    if (s.withdrawal !== null) this.closeWithdrawn(`released by ${by} after the withdrawal: closed`);
    this.changed();
  }

  checkAddNote({ by, text }: AddNoteInput): void {
    requireText(by, 'by', 200);
    requireText(text, 'text');
    if (this.state.evidence.length === 0) reject('case has no evidence yet');
  }

  addNote({ by, text }: AddNoteInput): void {
    this.state.notes.push({ by, at: this.nowIso(), text });
    this.audit(by, 'note-added');
  }

  checkRequestInfo({ by, question }: RequestInfoInput): void {
    requireText(by, 'by', 200);
    requireText(question, 'question');
    this.requireOpen();
    if (this.state.assignee !== by)
      reject(`only the assignee (${this.state.assignee ?? 'nobody'}) can request information`);
  }

  requestInfo({ by, question }: RequestInfoInput): void {
    this.state.infoRequests.push({ by, at: this.nowIso(), question });
    this.audit(by, 'info-requested', question);
  }

  checkDecide({ by, decision, reason, members }: DecideInput): void {
    requireText(by, 'by', 200);
    if (!validDecision(decision)) reject(`decision must be confirm or dismiss, got ${String(decision)}`);
    requireText(reason, 'reason');
    if (members !== undefined && !this.state.ring) reject('members applies to ring cases only');
    if (members !== undefined && !isRingMembersAction(members))
      reject(`members must be one of ${RING_MEMBERS_ACTIONS.join(', ')}, got ${String(members)}`);
    this.requireOpen();
    if (this.state.assignee === null) reject('claim the case before deciding it');
    if (this.state.assignee !== by)
      reject(`only the assignee (${this.state.assignee}) can decide; supervisors use override`);
  }

  decide({ by, decision, reason, members }: DecideInput): void {
    this.recordDecision(by, decision, reason, false, members);
  }

  private recordDecision(
    by: string,
    decision: Decision,
    reason: string,
    override: boolean,
    members?: DecideInput['members'],
    ringCaseId?: string,
  ): void {
    const s = this.state;
    s.decision = { decision, reason: reason.trim(), by, at: this.nowIso(), override };
    // A ring case's decision says what it does to its members (an override's: the default).
    if (s.ring) s.decision.members = members ?? DEFAULT_RING_MEMBERS_ACTION;
    if (ringCaseId !== undefined) s.decision.ringCaseId = ringCaseId;
    s.status = decision === 'confirm' ? 'confirmed' : 'dismissed';
    s.slaDueAt = null;
    const how = override ? ' (override)' : ringCaseId !== undefined ? ` (ring ${ringCaseId})` : '';
    const what = s.ring ? `; members: ${s.decision.members}` : '';
    this.audit(by, 'decided', `${decision}${how}: ${reason.trim()}${what}`);
    this.changed();
  }

  // --- ring cases (ring-case.ts) ------------------------------------------------------------

  /** A ring case: the members this alert names (each once; an audit entry when there are new ones). */
  private addMembers(alert: CaseAlert): void {
    const ring = this.state.ring!;
    const named = membersNamed(alert, ring);
    const known = new Set(ring.members);
    const added = named.vins.filter((v) => !known.has(v));
    ring.memberCount = Math.max(ring.memberCount, named.memberCount);
    if (added.length === 0) return;
    ring.members = [...ring.members, ...added].sort();
    this.audit(
      'system',
      'members-added',
      `${added.length} (${ring.members.length} in all): ${added.join(' ')}`,
    );
  }

  /** A decided ring case: the member VINs whose cases hear of it, and what they hear; null for none. */
  ringDecision(): { members: string[]; signal: RingDecisionInput } | null {
    const { ring, decision, caseId } = this.state;
    const action = decision?.members ?? DEFAULT_RING_MEMBERS_ACTION;
    if (!ring || !decision || action === 'none') return null;
    return {
      members: [...ring.members],
      signal: {
        ringCaseId: caseId,
        kind: ring.kind,
        entityId: ring.id,
        action,
        decision: decision.decision,
        reason: decision.reason,
        by: decision.by,
        decidedAt: decision.at,
      },
    };
  }

  /** The members' cases were told (or could not be: no such running case). */
  membersNotified(reached: readonly string[], missed: readonly string[]): void {
    const what = this.state.decision?.members ?? DEFAULT_RING_MEMBERS_ACTION;
    const detail = `${what}: ${reached.length} member cases${missed.length ? `; no running case for ${missed.join(' ')}` : ''}`;
    this.audit('system', 'members-notified', detail);
  }

  /**
   * A member case hears its ring case's decision. `decide` decides it when it is still open (as an
   * override would: whoever holds it, with the ring's decision and reason; its outcome and hold
   * follow); otherwise, and for `annotate`, the decision is recorded on its audit trail and as a note.
   */
  applyRingDecision(i: RingDecisionInput): void {
    const s = this.state;
    const said = `${i.ringCaseId} ${i.decision} by ${i.by}: ${i.reason}`;
    if (i.action === 'decide' && this.hasEvidence && OPEN_STATUSES.has(s.status)) {
      this.recordDecision(i.by, i.decision, i.reason, false, undefined, i.ringCaseId);
      return;
    }
    const why = i.action === 'decide' ? ` (the case is ${s.status}: not decided by the ring)` : '';
    s.notes.push({ by: 'system', at: this.nowIso(), text: `Ring case ${said}${why}` });
    this.audit(i.by, 'ring-decision-noted', `${i.action}: ${said}${why}`);
  }

  checkReassign({ by, to, reason }: ReassignInput): void {
    requireText(by, 'by', 200);
    requireText(to, 'to', 200);
    requireText(reason, 'reason');
    this.requireOpen();
    if (!this.isSupervisor(by)) reject(`${by} is not a supervisor`);
    if (to === this.state.assignee) reject(`case is already assigned to ${to}`);
  }

  reassign({ by, to, reason }: ReassignInput): void {
    const s = this.state;
    const from = s.assignee;
    s.assignee = to;
    s.status = 'in_review';
    this.startSla();
    this.audit(by, 'reassigned', `${from ?? 'nobody'} -> ${to}: ${reason.trim()}`);
    this.changed();
  }

  checkOverride({ by, reason, decision, severity }: OverrideInput): void {
    requireText(by, 'by', 200);
    requireText(reason, 'reason');
    this.requireOpen();
    if (!this.isSupervisor(by)) reject(`${by} is not a supervisor`);
    if (decision === undefined && severity === undefined) reject('override needs a decision or a severity');
    if (decision !== undefined && !validDecision(decision))
      reject(`decision must be confirm or dismiss, got ${String(decision)}`);
    if (severity !== undefined && !SEVERITIES.includes(severity))
      reject(`unknown severity ${String(severity)}`);
  }

  /**
   * An override is two transitions, each committed on its own (the severity, then the decision): the
   * workflow has always upserted them separately, and replay needs the same commands.
   */
  overrideSeverity({ by, reason, severity }: OverrideInput): void {
    const s = this.state;
    if (severity === undefined || severity === s.severity) return;
    this.audit(by, 'overridden', `severity ${s.severity} -> ${severity}: ${reason.trim()}`);
    s.severity = severity;
    if (s.slaDueAt !== null) this.startSla();
    this.reroute(by);
    this.changed();
  }

  overrideDecision({ by, reason, decision }: OverrideInput): void {
    if (decision !== undefined) this.recordDecision(by, decision, reason, true);
  }

  // --- what the workflow does on its own --------------------------------------------------

  /** The SLA passed: escalate to the supervisor queue. Returns the notification for supervisors. */
  breachSla(): CaseNotification {
    const s = this.state;
    const missed = s.slaDueAt;
    s.status = 'escalated';
    s.escalations++;
    s.slaDueAt = null;
    const from = s.queue;
    s.queue = this.config.routing.supervisorQueue;
    this.audit('system', 'sla-breached', `due ${missed}; ${from} -> ${s.queue}`);
    this.changed();
    return this.notification(
      'sla-breached',
      missed,
      `case ${s.caseId} missed its ${s.severity} SLA (due ${missed})`,
    );
  }

  private notification(
    kind: CaseNotification['kind'],
    slaDueAt: string | null,
    message: string,
  ): CaseNotification {
    const s = this.state;
    return {
      kind,
      caseId: s.caseId,
      vin: s.vin,
      severity: s.severity,
      queue: s.queue,
      assignee: s.assignee,
      slaDueAt,
      at: this.nowIso(),
      escalations: s.escalations,
      message,
    };
  }

  private get decision() {
    const d = this.state.decision;
    if (d === null) throw new Error('the case is not decided');
    return d;
  }

  /** Each alert id once (an alert's revisions share it). */
  private alertIds(): string[] {
    return [...new Set(this.state.evidence.map((e) => e.alert.alertId))];
  }

  outcome(): OutcomeInput {
    const s = this.state;
    const d = this.decision;
    return {
      caseId: s.caseId,
      vin: s.vin,
      decision: d.decision,
      reason: d.reason,
      analyst: d.by,
      alertIds: this.alertIds(),
      openedAt: s.openedAt,
      decidedAt: d.at,
    };
  }

  outcomePublished(): void {
    this.audit(
      'system',
      'outcome-published',
      this.decision.decision === 'dismiss' ? 'dismissal recorded as rule-tuning feedback' : undefined,
    );
  }

  /** Null unless the decision is a confirmation (only those recommend a hold). */
  holdRecommendation(runId: string): HoldRecommendationInput | null {
    const s = this.state;
    const d = this.decision;
    if (d.decision !== 'confirm') return null;
    return {
      caseId: s.caseId,
      runId,
      vin: s.vin,
      reason: d.reason,
      analyst: d.by,
      severity: s.severity,
      score: s.score,
      destinationCountry: s.destinationCountry,
      exporterIds: [...new Set(s.evidence.map((e) => e.alert.exporterId))],
      declarationIds: [...new Set(s.evidence.map((e) => e.alert.declarationId))],
      alertIds: this.alertIds(),
      decidedAt: d.at,
    };
  }

  customsNotified(): void {
    this.audit('system', 'customs-notified');
  }

  /** Customs refused or never answered: audited; returns the notification for supervisors. */
  customsFailed(message: string): CaseNotification {
    this.audit('system', 'customs-notification-failed', message);
    return this.notification(
      'customs-notification-failed',
      null,
      `hold recommendation for ${this.state.caseId} failed: ${message}`,
    );
  }

  /** Input of the next run when the history grows too long: the state carried as it is. */
  continueAsNew(historyLength: number): CaseInput {
    this.audit('system', 'continued-as-new', `history ${historyLength} events`);
    return { ...this.baseInput(), carried: this.state };
  }

  /** What every next run of this case starts from: its id, key, rules and (a ring case) its subject. */
  private baseInput(): CaseInput {
    const { caseId, vin, config } = this.input;
    const ring = this.state.ring;
    return ring ? { caseId, vin, config, ring } : { caseId, vin, config };
  }

  /** Input of the run a late alert reopens (after a decision or a withdrawal): the new alerts, and what came before. */
  reopenInput(runId: string): CaseInput {
    const s = this.state;
    // A reinstated alert reopens the case: it is new evidence there, not an alert of an earlier run.
    const reopening = new Set(this.lateAlerts.map((a) => a.alertId));
    return {
      ...this.baseInput(),
      reopen: {
        alerts: [...this.lateAlerts],
        priorAlertIds: [...s.priorAlertIds, ...this.alertIds().filter((id) => !reopening.has(id))],
        previousDecisions: s.decision ? [...s.previousDecisions, s.decision] : [...s.previousDecisions],
        fromRunId: runId,
      },
    };
  }

  result(): CaseResult {
    const s = this.state;
    return {
      caseId: s.caseId,
      vin: s.vin,
      status: s.status,
      decision: s.decision,
      alertIds: this.alertIds(),
    };
  }

  /** A copy of the state, for update results (serialised after other jobs may have moved the state on). */
  snapshot(): CaseState {
    return JSON.parse(JSON.stringify(this.state)) as CaseState;
  }
}

// --- search attributes -----------------------------------------------------------------------

/** One search attribute as the workflow upserts it. */
export type CaseSearchAttribute = SearchAttributeUpdatePair;

/** The comparable form of a search attribute value (what `VisibleAttributes` remembers). */
export const searchAttributeValue = (v: unknown): string =>
  JSON.stringify(v instanceof Date ? v.toISOString() : (v ?? null));

/** The search attributes of a case, except ZmExporter and ZmTypologies (see `searchAttributeChanges`). */
export function caseSearchAttributes(s: CaseState): CaseSearchAttribute[] {
  return [
    { key: SA.queue, value: s.queue },
    { key: SA.status, value: s.status },
    { key: SA.severity, value: s.severity },
    { key: SA.severityRank, value: severityRank(s.severity) },
    { key: SA.assignee, value: s.assignee },
    { key: SA.destination, value: s.destinationCountry },
    { key: SA.registrant, value: s.registrantId },
    { key: SA.firstRegistrant, value: s.firstRegistrantId },
    { key: SA.jurisdiction, value: s.jurisdiction },
    { key: SA.vin, value: s.vin },
    { key: SA.slaDueAt, value: s.slaDueAt === null ? null : new Date(s.slaDueAt) },
    { key: SA.score, value: s.score },
  ];
}

/** The patches the search attributes that came later sit behind (the workflow's `patched(...)` calls). */
export interface SearchAttributePatches {
  /** `patched('exporter-search-attribute')`: asked only for an upsert made for ZmExporter alone. */
  exporterAlone(): boolean;
  /** `patched('typology-search-attribute')`: asked whenever ZmTypologies differs from visibility. */
  typologies(): boolean;
}

/**
 * The search attributes that differ from what visibility holds (`visible`: name → comparable value).
 * ZmExporter came later: adding a key to an upsert that happens anyway changes no command, but an
 * upsert made for the exporter alone would be a new command in histories recorded before it, so that
 * one needs `exporterAlone()` (asked only then: its first call also writes TemporalChangeVersion).
 * ZmTypologies came later still and is gated whole (`typologies()`, asked only when it differs): runs
 * from before it never upsert it, so their histories replay whatever the upserts' contents are checked
 * against; new cases have it preset by the escalator and ask only when an alert changes the set.
 */
export function searchAttributeChanges(
  visible: ReadonlyMap<string, string>,
  s: CaseState,
  patches: SearchAttributePatches,
): CaseSearchAttribute[] {
  const differs = (p: CaseSearchAttribute) =>
    (visible.get(p.key.name) ?? 'null') !== searchAttributeValue(p.value);
  const changed = caseSearchAttributes(s).filter(differs);
  const exporter: CaseSearchAttribute = {
    key: SA.exporter,
    value: s.evidence[s.evidence.length - 1]?.alert.exporterId || null,
  };
  if (differs(exporter) && (changed.length > 0 || patches.exporterAlone())) changed.push(exporter);
  const list = caseTypologies(s.evidence);
  const typologies: CaseSearchAttribute = { key: SA.typologies, value: list.length > 0 ? list : null };
  if (differs(typologies) && patches.typologies()) changed.push(typologies);
  return changed;
}

/** Every patch applies: a case opened now (the escalator's preset) or a unit test of the latest code. */
export const LATEST_PATCHES: SearchAttributePatches = { exporterAlone: () => true, typologies: () => true };

/**
 * The search attributes a case starts with: what the workflow's first task would upsert for this alert
 * (the machine opening the case at `now`, v2 routing). The escalator sets them on signal-with-start, so
 * a new case is in its queue before the worker has run; the workflow then adopts that SLA due time
 * (`presetSlaDueAt`) and finds nothing to upsert. Routing and SLA are decided here, by the machine, once.
 */
export function openingSearchAttributes(
  config: CaseConfig,
  alert: CaseAlert,
  now: number,
  /** The case the alert opens: the alert's vehicle case unless given (a ring case). */
  input: CaseInput = { caseId: caseIdFor(alert.vin), vin: alert.vin, config },
): SearchAttributePair[] {
  return searchAttributesOfOpening(openingState(config, alert, now, input));
}

/** The case an alert opens, as the workflow's first task will make it (the machine, at `now`, v2 routing). */
export function openingState(
  config: CaseConfig,
  alert: CaseAlert,
  now: number,
  input: CaseInput = { caseId: caseIdFor(alert.vin), vin: alert.vin, config },
): CaseState {
  const m = new CaseMachine(input, { now: () => now, routingByDestination: () => true });
  m.applyAlert(alert);
  return m.state;
}

/** The search attributes of an `openingState` (those with a value). */
export function searchAttributesOfOpening(state: CaseState): SearchAttributePair[] {
  return searchAttributeChanges(new Map(), state, LATEST_PATCHES).filter(
    (p): p is SearchAttributePair => p.value !== null,
  );
}
