/**
 * How a case page is read without waiting on a busy case worker (README "Reading a case"): the
 * projection the worker wrote (case-view-store.ts) and Temporal's description of the execution are
 * asked together, each with a short deadline; the workflow itself is queried only when no projection
 * exists, and its search attributes are the last resort. This file holds the pure decisions; the
 * client (client.ts) does the calls.
 */
import { blankCaseState } from './case-machine.js';
import type { CaseSummary } from './case-summary.js';
import type { CaseViewRecord } from './case-view-store.js';
import { DEFAULT_CASE_CONFIG, type CaseState } from './shared.js';

/**
 * Deadlines of a case read (ms), all counted from its start, under the page's 1 s budget (with the
 * related cases' wait): the projection and, to judge it, Temporal's description (`describeMs`); with
 * no projection, the workflow's query (`queryMs`) and the description for the summary (`summaryMs`).
 */
export const CASE_READ_DEADLINES = { describeMs: 300, queryMs: 500, summaryMs: 700 } as const;

/** Where a case page's state came from. */
export type CaseReadSource =
  /** The workflow answered its `getCase` query: current. */
  | 'workflow'
  /** The state the case worker last wrote (`asOf`). */
  | 'projection'
  /** Only the queue summary (search attributes): no evidence, notes or audit yet. */
  | 'summary';

export interface CaseRead {
  state: CaseState;
  source: CaseReadSource;
  /** True when newer changes may exist that this state does not show. */
  stale: boolean;
  /** When this state was written (ISO), for a projection or a summary; null for a query answer. */
  asOf: string | null;
  /** A sentence for the page when `stale`, saying why; null otherwise. */
  note: string | null;
}

/** What Temporal's DescribeWorkflowExecution said about the case's latest run. */
export interface CaseDescription {
  runId: string;
  /** A workflow task is scheduled or running: events (alerts, actions) the worker has not applied yet. */
  pendingWorkflowTask: boolean;
  /** The execution's search attributes, as a queue row shows them. */
  summary: CaseSummary;
}

/**
 * The projection with what Temporal said about it: current when it belongs to the latest run and
 * the worker has applied every event; stale (with the reason) otherwise or when Temporal did not
 * answer in time (`described` undefined).
 */
export function judgeProjection(view: CaseViewRecord, described: CaseDescription | undefined): CaseRead {
  const asOf = new Date(view.publishedAt).toISOString();
  const read = (note: string | null): CaseRead => ({
    state: view.state,
    source: 'projection',
    stale: note !== null,
    asOf,
    note,
  });
  if (described === undefined)
    return read('Temporal did not confirm in time that this is the latest state: it may be seconds old.');
  if (described.runId !== view.runId)
    return read(
      'The case has a newer run that the case worker has not written yet: this may be seconds old.',
    );
  if (described.pendingWorkflowTask)
    return read(
      'The case worker has not applied the latest alerts or actions yet (it is busy): this may be seconds old.',
    );
  return read(null);
}

/**
 * The queue summary as a case state with no evidence: what a page shows when the worker has written
 * nothing for this case yet and cannot answer in time (it is down or busy).
 */
export function summaryState(summary: CaseSummary): CaseState {
  const queue = summary.queue ?? DEFAULT_CASE_CONFIG.routing.standardQueue;
  return {
    ...blankCaseState(summary.caseId, summary.vin, queue, summary.openedAt.toISOString()),
    status: summary.status ?? 'open',
    severity: summary.severity ?? 'LOW',
    score: summary.score ?? 0,
    assignee: summary.assignee,
    destinationCountry: summary.destination,
    registrantId: summary.registrant,
    firstRegistrantId: summary.firstRegistrant ?? null,
    jurisdiction: summary.jurisdiction,
    slaDueAt: summary.slaDueAt ? summary.slaDueAt.toISOString() : null,
  };
}

export function summaryRead(summary: CaseSummary, at: Date): CaseRead {
  return {
    state: summaryState(summary),
    source: 'summary',
    stale: true,
    asOf: at.toISOString(),
    note: 'The case worker is busy or down and has not written this case yet: only its queue summary is shown (no evidence, notes or audit trail); reload in a few seconds.',
  };
}
