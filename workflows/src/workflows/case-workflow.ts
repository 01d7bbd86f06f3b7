/**
 * One investigation case per VIN (workflow id `case-<VIN>`). Alerts arrive as signals (the escalator
 * uses signal-with-start), analysts act through validated updates, the SLA is a timer, and a decision
 * publishes the outcome and, on confirm, recommends a hold to customs.
 *
 * Deterministic code only: time is workflow time (Date.now() is replay-safe here), no I/O.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { createActivities } from '../activities.js';
import { maxSeverity, routeQueue, slaFor, type RouteInput } from '../case-rules.js';
import {
  addNoteUpdate,
  alertSignal,
  claimUpdate,
  decideUpdate,
  getCaseQuery,
  overrideUpdate,
  reassignUpdate,
  releaseUpdate,
  requestInfoUpdate,
  SA,
  SEVERITIES,
  severityRank,
  type Alert,
  type AuditEntry,
  type CaseInput,
  type CaseNotification,
  type CaseResult,
  type CaseState,
  type Decision,
} from '../shared.js';

type Activities = ReturnType<typeof createActivities>;

/** Kafka publish: the broker is ours, keep trying (a case never closes without its outcome on the topic). */
const { publishOutcome } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * Customs is someone else's service: retry transient failures for a day; 4xx other than 408/429 come
 * back as non-retryable ApplicationFailures and end up as a supervisor notification.
 */
const { recommendHold } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/** Notifications are best effort: a few tries, then the audit trail is the record. */
const { notify } = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
});

const OPEN_STATUSES = new Set(['open', 'in_review', 'escalated']);

function reject(message: string): never {
  throw ApplicationFailure.create({ type: 'InvalidCaseAction', message, nonRetryable: true });
}

function requireText(value: unknown, field: string, max = 4_000): void {
  if (typeof value !== 'string' || value.trim().length === 0) reject(`${field} is required`);
  if (value.length > max) reject(`${field} is longer than ${max} characters`);
}

export async function caseWorkflow(input: CaseInput): Promise<CaseResult> {
  const { config } = input;
  const nowIso = () => new Date(Date.now()).toISOString();
  /**
   * v2 routing (severity + destination) behind `patched`: runs whose history predates the patch replay
   * with v1 (severity only). Asked only when the destination would change the queue, because the first
   * `patched` call of a run also upserts TemporalChangeVersion (a visibility write).
   */
  const route = (input: RouteInput): string =>
    routeQueue(
      config,
      input,
      routeQueue(config, input, true) === routeQueue(config, input, false) ||
        patched('routing-by-destination'),
    );

  const state: CaseState = input.carried ?? {
    caseId: input.caseId,
    vin: input.vin,
    status: 'open',
    queue: config.routing.standardQueue,
    severity: 'LOW',
    score: 0,
    assignee: null,
    destinationCountry: null,
    registrantId: null,
    jurisdiction: null,
    openedAt: nowIso(),
    slaDueAt: null,
    escalations: 0,
    evidence: [],
    facts: {},
    notes: [],
    infoRequests: [],
    decision: null,
    audit: [],
    priorAlertIds: input.reopen?.priorAlertIds ?? [],
    previousDecisions: input.reopen?.previousDecisions ?? [],
    reopenedFromRunId: input.reopen?.fromRunId ?? null,
  };
  /** Bumped by every change the main loop must react to (SLA deadline, status, decision). */
  let epoch = 0;
  /** New alerts that arrive after the decision: they reopen the case as a new run. */
  const lateAlerts: Alert[] = [];
  /**
   * What visibility holds now: set at start by the escalator (or copied by continue-as-new). Only
   * differences are upserted — every upsert is a history event and a visibility write.
   */
  const visible = new Map<string, string>();
  const saValue = (v: unknown) => JSON.stringify(v instanceof Date ? v.toISOString() : (v ?? null));
  for (const pair of workflowInfo().typedSearchAttributes.getAll())
    visible.set(pair.key.name, saValue(pair.value));
  /** SLA due time the escalator computed for the opening alert (it is in the start event: replay-safe). */
  const presetSlaDueAt =
    input.carried || input.reopen ? undefined : workflowInfo().typedSearchAttributes.get(SA.slaDueAt);

  const audit = (by: string, action: AuditEntry['action'], detail?: string) => {
    const entry: AuditEntry = { at: nowIso(), by, action };
    if (detail !== undefined) entry.detail = detail;
    state.audit.push(entry);
  };
  const isSupervisor = (id: string) => config.supervisors.length === 0 || config.supervisors.includes(id);
  const isKnownAlert = (alertId: string) =>
    state.priorAlertIds.includes(alertId) ||
    state.evidence.some((e) => e.alert.alertId === alertId) ||
    lateAlerts.some((a) => a.alertId === alertId);

  function syncSearchAttributes(): void {
    const pairs: SearchAttributeUpdatePair[] = [
      { key: SA.queue, value: state.queue },
      { key: SA.status, value: state.status },
      { key: SA.severity, value: state.severity },
      { key: SA.severityRank, value: severityRank(state.severity) },
      { key: SA.assignee, value: state.assignee },
      { key: SA.destination, value: state.destinationCountry },
      { key: SA.registrant, value: state.registrantId },
      { key: SA.jurisdiction, value: state.jurisdiction },
      { key: SA.vin, value: state.vin },
      { key: SA.slaDueAt, value: state.slaDueAt === null ? null : new Date(state.slaDueAt) },
      { key: SA.score, value: state.score },
    ];
    const differs = (p: SearchAttributeUpdatePair) =>
      (visible.get(p.key.name) ?? 'null') !== saValue(p.value);
    const changed = pairs.filter(differs);
    // ZmExporter came later. Adding a key to an upsert that happens anyway changes no command, but an
    // upsert made for the exporter alone would be a new command in histories recorded before it, so
    // that one is behind `patched` (asked only then: its first call also writes TemporalChangeVersion).
    const exporter: SearchAttributeUpdatePair = {
      key: SA.exporter,
      value: state.evidence[state.evidence.length - 1]?.alert.exporterId || null,
    };
    if (differs(exporter) && (changed.length > 0 || patched('exporter-search-attribute')))
      changed.push(exporter);
    if (changed.length === 0) return;
    for (const p of changed) visible.set(p.key.name, saValue(p.value));
    upsertSearchAttributes(changed);
  }

  function reroute(by: string): void {
    const queue = route({
      severity: state.severity,
      destinationCountry: state.destinationCountry,
      escalated: state.escalations > 0,
    });
    if (queue !== state.queue) {
      audit(by, 'rerouted', `${state.queue} -> ${queue}`);
      state.queue = queue;
    }
  }

  function startSla(): void {
    state.slaDueAt = new Date(Date.now() + slaFor(config, state.severity)).toISOString();
  }

  function applyAlert(alert: Alert): void {
    if (isKnownAlert(alert.alertId)) {
      audit('system', 'duplicate-alert-ignored', alert.alertId);
      return;
    }
    if (state.decision !== null) {
      lateAlerts.push(alert);
      return;
    }
    const first = state.evidence.length === 0;
    const before = state.severity;
    state.evidence.push({ alert, appliedAt: nowIso() });
    state.severity = first ? alert.severity : maxSeverity(state.severity, alert.severity);
    state.score = first ? alert.score : Math.max(state.score, alert.score);
    state.destinationCountry = alert.destinationCountry;
    state.registrantId = alert.registrantId ?? state.registrantId;
    state.jurisdiction = alert.jurisdiction ?? state.jurisdiction;
    Object.assign(state.facts, alert.facts);
    if (first) {
      state.openedAt = nowIso();
      state.queue = route({
        severity: state.severity,
        destinationCountry: state.destinationCountry,
        escalated: false,
      });
      startSla();
      // Keep the escalator's due time when it is not later than ours: the case is then already
      // visible exactly as it is, and the first task needs no upsert.
      if (presetSlaDueAt && presetSlaDueAt.getTime() <= Date.parse(state.slaDueAt!)) {
        state.slaDueAt = presetSlaDueAt.toISOString();
      }
      audit(
        'system',
        state.reopenedFromRunId ? 'reopened' : 'opened',
        `${alert.alertId} ${alert.severity} score=${alert.score} -> ${state.queue}`,
      );
    } else {
      audit('system', 'evidence-added', `${alert.alertId} ${alert.severity} score=${alert.score}`);
      // Worse evidence tightens a running SLA; it never loosens one.
      if (state.severity !== before && state.slaDueAt !== null) {
        const tighter = Date.now() + slaFor(config, state.severity);
        if (tighter < Date.parse(state.slaDueAt)) state.slaDueAt = new Date(tighter).toISOString();
      }
      reroute('system');
    }
    epoch++;
    syncSearchAttributes();
  }

  // --- handlers ------------------------------------------------------------------------------

  setHandler(alertSignal, ({ alert }) => applyAlert(alert));
  /**
   * Update results are serialised in a later microtask than the handler's return, after other jobs of
   * the same activation may have moved the main loop on; a copy pins the state the action produced.
   */
  const snapshot = (): CaseState => JSON.parse(JSON.stringify(state)) as CaseState;

  setHandler(getCaseQuery, () => state);

  const requireOpen = () => {
    if (state.evidence.length === 0) reject('case has no evidence yet');
    if (!OPEN_STATUSES.has(state.status)) reject(`case is ${state.status}`);
  };

  setHandler(
    claimUpdate,
    ({ by }) => {
      state.assignee = by;
      // Claiming an escalated case takes it back into review with a fresh SLA (the queue stays supervisor).
      if (state.status === 'escalated') startSla();
      state.status = 'in_review';
      audit(by, 'claimed');
      epoch++;
      syncSearchAttributes();
      return snapshot();
    },
    {
      validator: ({ by }) => {
        requireText(by, 'by', 200);
        requireOpen();
        if (state.assignee !== null) reject(`case is already claimed by ${state.assignee}`);
      },
    },
  );

  setHandler(
    releaseUpdate,
    ({ by }) => {
      state.assignee = null;
      state.status =
        state.escalations > 0 && state.queue === config.routing.supervisorQueue ? 'escalated' : 'open';
      if (state.status === 'escalated') state.slaDueAt = null;
      audit(by, 'released');
      epoch++;
      syncSearchAttributes();
      return snapshot();
    },
    {
      validator: ({ by }) => {
        requireText(by, 'by', 200);
        requireOpen();
        if (state.assignee !== by)
          reject(`only the assignee (${state.assignee ?? 'nobody'}) can release the case`);
      },
    },
  );

  setHandler(
    addNoteUpdate,
    ({ by, text }) => {
      state.notes.push({ by, at: nowIso(), text });
      audit(by, 'note-added');
      return snapshot();
    },
    {
      validator: ({ by, text }) => {
        requireText(by, 'by', 200);
        requireText(text, 'text');
        if (state.evidence.length === 0) reject('case has no evidence yet');
      },
    },
  );

  setHandler(
    requestInfoUpdate,
    ({ by, question }) => {
      state.infoRequests.push({ by, at: nowIso(), question });
      audit(by, 'info-requested', question);
      return snapshot();
    },
    {
      validator: ({ by, question }) => {
        requireText(by, 'by', 200);
        requireText(question, 'question');
        requireOpen();
        if (state.assignee !== by)
          reject(`only the assignee (${state.assignee ?? 'nobody'}) can request information`);
      },
    },
  );

  function recordDecision(by: string, decision: Decision, reason: string, override: boolean): void {
    state.decision = { decision, reason: reason.trim(), by, at: nowIso(), override };
    state.status = decision === 'confirm' ? 'confirmed' : 'dismissed';
    state.slaDueAt = null;
    audit(by, 'decided', `${decision}${override ? ' (override)' : ''}: ${reason.trim()}`);
    epoch++;
    syncSearchAttributes();
  }

  const validDecision = (d: unknown) => d === 'confirm' || d === 'dismiss';

  setHandler(
    decideUpdate,
    ({ by, decision, reason }) => {
      recordDecision(by, decision, reason, false);
      return snapshot();
    },
    {
      validator: ({ by, decision, reason }) => {
        requireText(by, 'by', 200);
        if (!validDecision(decision)) reject(`decision must be confirm or dismiss, got ${String(decision)}`);
        requireText(reason, 'reason');
        requireOpen();
        if (state.assignee === null) reject('claim the case before deciding it');
        if (state.assignee !== by)
          reject(`only the assignee (${state.assignee}) can decide; supervisors use override`);
      },
    },
  );

  setHandler(
    reassignUpdate,
    ({ by, to, reason }) => {
      const from = state.assignee;
      state.assignee = to;
      state.status = 'in_review';
      startSla();
      audit(by, 'reassigned', `${from ?? 'nobody'} -> ${to}: ${reason.trim()}`);
      epoch++;
      syncSearchAttributes();
      return snapshot();
    },
    {
      validator: ({ by, to, reason }) => {
        requireText(by, 'by', 200);
        requireText(to, 'to', 200);
        requireText(reason, 'reason');
        requireOpen();
        if (!isSupervisor(by)) reject(`${by} is not a supervisor`);
        if (to === state.assignee) reject(`case is already assigned to ${to}`);
      },
    },
  );

  setHandler(
    overrideUpdate,
    ({ by, reason, decision, severity }) => {
      if (severity !== undefined && severity !== state.severity) {
        audit(by, 'overridden', `severity ${state.severity} -> ${severity}: ${reason.trim()}`);
        state.severity = severity;
        if (state.slaDueAt !== null) startSla();
        reroute(by);
        epoch++;
        syncSearchAttributes();
      }
      if (decision !== undefined) recordDecision(by, decision, reason, true);
      return snapshot();
    },
    {
      validator: ({ by, reason, decision, severity }) => {
        requireText(by, 'by', 200);
        requireText(reason, 'reason');
        requireOpen();
        if (!isSupervisor(by)) reject(`${by} is not a supervisor`);
        if (decision === undefined && severity === undefined)
          reject('override needs a decision or a severity');
        if (decision !== undefined && !validDecision(decision))
          reject(`decision must be confirm or dismiss, got ${String(decision)}`);
        if (severity !== undefined && !SEVERITIES.includes(severity))
          reject(`unknown severity ${String(severity)}`);
      },
    },
  );

  // --- main loop -----------------------------------------------------------------------------

  const notification = (
    kind: CaseNotification['kind'],
    slaDueAt: string | null,
    message: string,
  ): CaseNotification => ({
    kind,
    caseId: state.caseId,
    vin: state.vin,
    severity: state.severity,
    queue: state.queue,
    assignee: state.assignee,
    slaDueAt,
    at: nowIso(),
    escalations: state.escalations,
    message,
  });

  async function breachSla(): Promise<void> {
    const missed = state.slaDueAt;
    state.status = 'escalated';
    state.escalations++;
    state.slaDueAt = null;
    const from = state.queue;
    state.queue = config.routing.supervisorQueue;
    audit('system', 'sla-breached', `due ${missed}; ${from} -> ${state.queue}`);
    epoch++;
    syncSearchAttributes();
    try {
      await notify(
        notification(
          'sla-breached',
          missed,
          `case ${state.caseId} missed its ${state.severity} SLA (due ${missed})`,
        ),
      );
    } catch (err) {
      log.warn('SLA breach notification failed; the audit trail keeps the breach', {
        caseId: state.caseId,
        err: String(err),
      });
    }
  }

  function historyTooLong(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > config.maxHistoryEvents;
  }

  for (const alert of input.reopen?.alerts ?? []) applyAlert(alert);
  await condition(() => state.evidence.length > 0);

  while (state.decision === null) {
    if (historyTooLong()) {
      await condition(allHandlersFinished);
      if (state.decision === null) {
        audit('system', 'continued-as-new', `history ${workflowInfo().historyLength} events`);
        return continueAsNew<typeof caseWorkflow>({
          caseId: input.caseId,
          vin: input.vin,
          config,
          carried: state,
        });
      }
      break;
    }
    const seen = epoch;
    const changed = () => epoch !== seen || state.decision !== null;
    const timerRunning = state.slaDueAt !== null && (state.status === 'open' || state.status === 'in_review');
    if (timerRunning) {
      const remaining = Date.parse(state.slaDueAt!) - Date.now();
      if (remaining <= 0 || !(await condition(changed, Math.max(1, remaining)))) await breachSla();
    } else {
      await condition(changed);
    }
  }

  await closeOut();

  // Stay around for the retention period: replays are absorbed, a new alert reopens the case.
  const reopened = await condition(() => lateAlerts.length > 0, config.closedRetentionMs);
  await condition(allHandlersFinished);
  const decision = state.decision!;
  if (reopened || lateAlerts.length > 0) {
    return continueAsNew<typeof caseWorkflow>({
      caseId: input.caseId,
      vin: input.vin,
      config,
      reopen: {
        alerts: [...lateAlerts],
        priorAlertIds: [...state.priorAlertIds, ...state.evidence.map((e) => e.alert.alertId)],
        previousDecisions: [...state.previousDecisions, decision],
        fromRunId: workflowInfo().runId,
      },
    });
  }
  return {
    caseId: state.caseId,
    vin: state.vin,
    status: state.status,
    decision,
    alertIds: state.evidence.map((e) => e.alert.alertId),
  };

  async function closeOut(): Promise<void> {
    const decision = state.decision!;
    const alertIds = state.evidence.map((e) => e.alert.alertId);
    await publishOutcome({
      caseId: state.caseId,
      vin: state.vin,
      decision: decision.decision,
      reason: decision.reason,
      analyst: decision.by,
      alertIds,
      openedAt: state.openedAt,
      decidedAt: decision.at,
    });
    audit(
      'system',
      'outcome-published',
      decision.decision === 'dismiss' ? 'dismissal recorded as rule-tuning feedback' : undefined,
    );
    if (decision.decision === 'confirm') {
      try {
        await recommendHold({
          caseId: state.caseId,
          runId: workflowInfo().runId,
          vin: state.vin,
          reason: decision.reason,
          analyst: decision.by,
          severity: state.severity,
          score: state.score,
          destinationCountry: state.destinationCountry,
          exporterIds: [...new Set(state.evidence.map((e) => e.alert.exporterId))],
          declarationIds: [...new Set(state.evidence.map((e) => e.alert.declarationId))],
          alertIds,
          decidedAt: decision.at,
        });
        audit('system', 'customs-notified');
      } catch (err) {
        const message =
          err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
        audit('system', 'customs-notification-failed', message);
        try {
          await notify(
            notification(
              'customs-notification-failed',
              null,
              `hold recommendation for ${state.caseId} failed: ${message}`,
            ),
          );
        } catch {
          // audit trail already records it
        }
      }
    }
    syncSearchAttributes();
  }
}
