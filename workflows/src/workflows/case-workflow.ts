/**
 * One investigation case per VIN (workflow id `case-<VIN>`). Alerts arrive as signals (the escalator
 * uses signal-with-start), analysts act through validated updates, the SLA is a timer, and a decision
 * publishes the outcome and, on confirm, recommends a hold to customs.
 *
 * Thin by design: every handler hands off to the pure `CaseMachine` (../case-machine.ts: transitions,
 * validation, routing, SLA) and then `commit()`s — the one place that wakes the main loop and upserts
 * the search attributes that changed. What stays here is what needs Temporal: timers, activities,
 * patches, continue-as-new.
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
  proxySinks,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { createActivities } from '../activities.js';
import {
  CaseMachine,
  InvalidCaseActionError,
  searchAttributeChanges,
  searchAttributeValue,
} from '../case-machine.js';
import { ringDecisionSignal } from '../ring-case.js';
import { notifyRingMembers } from './ring-members.js';
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
  type CaseInput,
  type CaseResult,
  type CaseState,
  type CaseViewSinks,
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

/** The case projection the console reads (shared.ts `CaseViewSinks`): not a command, not replayed. */
const { caseViews } = proxySinks<CaseViewSinks>();

/** Notifications are best effort: a few tries, then the audit trail is the record. */
const { notify } = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
});

function rejectedAsFailure(check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof InvalidCaseActionError)
      throw ApplicationFailure.create({
        type: 'InvalidCaseAction',
        message: err.message,
        nonRetryable: true,
      });
    throw err;
  }
}

export async function caseWorkflow(input: CaseInput): Promise<CaseResult> {
  const { config } = input;
  const machine = new CaseMachine(input, {
    now: () => Date.now(),
    // v2 routing behind `patched`: runs whose history predates the patch replay with v1 (severity only).
    routingByDestination: () => patched('routing-by-destination'),
    // Alert revisions behind `patched`: runs from before them ignored a known alert id as a duplicate.
    alertRevisions: () => patched('alert-revisions'),
    // The SLA due time the escalator computed for the opening alert (in the start event: replay-safe).
    presetSlaDueAt:
      input.carried || input.reopen ? undefined : workflowInfo().typedSearchAttributes.get(SA.slaDueAt),
  });

  // --- commit: the one place the workflow reacts to a transition ------------------------------

  /** Bumped by every commit of a change; the main loop waits on it (SLA deadline, status, decision). */
  let epoch = 0;
  let committedRevision = machine.revision;
  /**
   * What visibility holds now: set at start by the escalator (or copied by continue-as-new). Only
   * differences are upserted — every upsert is a history event and a visibility write.
   */
  const visible = new Map<string, string>();
  for (const pair of workflowInfo().typedSearchAttributes.getAll())
    visible.set(pair.key.name, searchAttributeValue(pair.value));

  /**
   * What the projection last got: the machine's revision and the audit trail's length (notes,
   * information requests and bookkeeping add audit entries without a revision).
   */
  let publishedMark = '';
  function publishView(): void {
    if (!machine.hasEvidence) return;
    const mark = `${machine.revision}/${machine.state.audit.length}`;
    if (mark === publishedMark) return;
    publishedMark = mark;
    caseViews.publish(machine.state);
  }

  /**
   * After a transition: if it changed the case, wake the main loop and upsert what visibility lacks;
   * in any case, give the projection what changed.
   */
  function commit(): void {
    publishView();
    if (machine.revision === committedRevision) return;
    committedRevision = machine.revision;
    epoch++;
    const changed = searchAttributeChanges(visible, machine.state, {
      exporterAlone: () => patched('exporter-search-attribute'),
      typologies: () => patched('typology-search-attribute'),
    });
    if (changed.length === 0) return;
    for (const p of changed) visible.set(p.key.name, searchAttributeValue(p.value));
    upsertSearchAttributes(changed);
  }

  /** An update handler: validate with `check`, apply `transition`, commit, answer with the state it produced. */
  function update<I>(
    def: UpdateDefinition<CaseState, [I]>,
    check: (i: I) => void,
    transition: (i: I) => void,
  ) {
    setHandler(
      def,
      (i: I) => {
        transition(i);
        commit();
        // Update results are serialised in a later microtask than the handler's return, after other
        // jobs of the same activation may have moved the main loop on; a copy pins this action's state.
        return machine.snapshot();
      },
      { validator: (i: I) => rejectedAsFailure(() => check(i)) },
    );
  }

  // --- handlers ------------------------------------------------------------------------------

  setHandler(alertSignal, ({ alert }) => {
    machine.applyAlert(alert);
    commit();
  });
  // A member case hears its ring case's decision (ring-members.ts).
  setHandler(ringDecisionSignal, (i) => {
    machine.applyRingDecision(i);
    commit();
  });
  setHandler(getCaseQuery, () => machine.state);
  update(
    claimUpdate,
    (i) => machine.checkClaim(i),
    (i) => machine.claim(i),
  );
  update(
    releaseUpdate,
    (i) => machine.checkRelease(i),
    (i) => machine.release(i),
  );
  update(
    addNoteUpdate,
    (i) => machine.checkAddNote(i),
    (i) => machine.addNote(i),
  );
  update(
    requestInfoUpdate,
    (i) => machine.checkRequestInfo(i),
    (i) => machine.requestInfo(i),
  );
  update(
    decideUpdate,
    (i) => machine.checkDecide(i),
    (i) => machine.decide(i),
  );
  update(
    reassignUpdate,
    (i) => machine.checkReassign(i),
    (i) => machine.reassign(i),
  );
  update(
    overrideUpdate,
    (i) => machine.checkOverride(i),
    (i) => {
      // Severity and decision are committed one after the other (two upserts), as they always were.
      machine.overrideSeverity(i);
      commit();
      machine.overrideDecision(i);
    },
  );

  // --- main loop -----------------------------------------------------------------------------

  function historyTooLong(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > config.maxHistoryEvents;
  }

  for (const alert of machine.reopenAlerts) {
    machine.applyAlert(alert);
    commit();
  }
  await condition(() => machine.hasEvidence);
  // A continued run starts with the carried state: the projection learns the new run id.
  publishView();

  // Until decided, or closed because its declaration was withdrawn before anyone claimed it.
  while (!machine.closed) {
    if (historyTooLong()) {
      await condition(allHandlersFinished);
      if (!machine.closed)
        return continueAsNew<typeof caseWorkflow>(machine.continueAsNew(workflowInfo().historyLength));
      break;
    }
    const seen = epoch;
    const changed = () => epoch !== seen || machine.closed;
    const remaining = machine.slaRemainingMs();
    if (remaining === null) await condition(changed);
    else if (remaining <= 0 || !(await condition(changed, Math.max(1, remaining)))) await breachSla();
  }

  // A withdrawn case has no decision: no outcome, no hold recommendation.
  if (machine.decided) await closeOut();
  publishView();

  // Stay around for the retention period: replays are absorbed, a new alert reopens the case.
  const reopened = await condition(() => machine.lateAlerts.length > 0, config.closedRetentionMs);
  await condition(allHandlersFinished);
  if (reopened || machine.lateAlerts.length > 0)
    return continueAsNew<typeof caseWorkflow>(machine.reopenInput(workflowInfo().runId));
  return machine.result();

  async function breachSla(): Promise<void> {
    const notification = machine.breachSla();
    commit();
    try {
      await notify(notification);
    } catch (err) {
      log.warn('SLA breach notification failed; the audit trail keeps the breach', {
        caseId: machine.state.caseId,
        err: String(err),
      });
    }
  }

  async function closeOut(): Promise<void> {
    // A ring case publishes no outcome of its own (outcomes are per VIN): its members' cases do.
    if (machine.state.ring) return notifyRingMembers(machine);
    await publishOutcome(machine.outcome());
    machine.outcomePublished();
    const hold = machine.holdRecommendation(workflowInfo().runId);
    if (hold === null) return;
    try {
      await recommendHold(hold);
      machine.customsNotified();
    } catch (err) {
      const message =
        err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
      try {
        await notify(machine.customsFailed(message));
      } catch {
        // audit trail already records it
      }
    }
  }
}
