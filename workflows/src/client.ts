/**
 * The typed case API used by the escalator, the console and the CLI: queues are Temporal visibility
 * queries over the Zm* search attributes; a case is read from the projection the worker writes
 * (`readCase`, case-read.ts) or its workflow's `getCase` query; analyst actions are workflow updates
 * whose validator rejections come back as CaseActionRejectedError.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import {
  defaultPayloadConverter,
  encodeWorkflowIdReusePolicy,
  type UpdateDefinition,
} from '@temporalio/common';
import { openingState, searchAttributesOfOpening } from './case-machine.js';
import {
  CASE_READ_DEADLINES,
  judgeProjection,
  summaryRead,
  type CaseDescription,
  type CaseRead,
} from './case-read.js';
import {
  bySeverityThenSla,
  caseRowOf,
  isQueueStoreToken,
  servedByProjection,
  type CaseQueueStore,
} from './case-queue-store.js';
import { caseSummaryOf, type CaseSummary } from './case-summary.js';
import type { CaseViewReader } from './case-view-store.js';
import { ringCaseIdFor, type RingEntity } from './ring-case.js';
import { encodeSearchAttributes } from './search-attribute-payloads.js';
import {
  addNoteUpdate,
  alertSignal,
  CASE_WORKFLOW_TYPE,
  caseIdFor,
  CASES_TASK_QUEUE,
  claimUpdate,
  decideUpdate,
  getCaseQuery,
  isSafeFilterValue,
  OPEN_CASE_STATUSES,
  overrideUpdate,
  reassignUpdate,
  releaseUpdate,
  requestInfoUpdate,
  type AddNoteInput,
  type AlertSignalInput,
  type CaseAlert,
  type CaseConfig,
  type CaseInput,
  type CaseState,
  type CaseStatus,
  type ClaimInput,
  type DecideInput,
  type OverrideInput,
  type ReassignInput,
  type ReleaseInput,
  type RequestInfoInput,
  type Severity,
} from './shared.js';

/** A decided case that has ended may be reopened by a new alert: a new run with the same id. */
const ALLOW_DUPLICATE = encodeWorkflowIdReusePolicy('ALLOW_DUPLICATE')!;

/** Defined in shared.ts (the case machine needs it too); listed with the client's exports. */
export { OPEN_CASE_STATUSES };
export type { CaseSummary };

export interface QueueFilters {
  /** Default: the open statuses (open, in_review, escalated). */
  status?: CaseStatus | CaseStatus[];
  severity?: Severity | Severity[];
  /** A user id, or null for unassigned cases only. */
  assignee?: string | null;
  destination?: string;
  /** The holder of the registration at declaration time (ZmRegistrant). */
  registrant?: string;
  /** The first registrant (ZmFirstRegistrant; v2 alerts only). */
  firstRegistrant?: string;
  /** Exporter id of the case's latest alert (any of several). */
  exporter?: string | string[];
  jurisdiction?: string;
  /** Cases holding any of these typologies (ZmTypologies; callers validate against `TYPOLOGIES`). */
  typology?: string | string[];
  /** Only these VINs' cases (the console's network view and entity pages: one query for all). */
  vins?: readonly string[];
}

export interface Paging {
  /** Default 50, at most 1000. */
  pageSize?: number;
  /** `nextPageToken` of the previous page. */
  pageToken?: string;
}

export interface CasePage {
  /** Within the page: most severe first, then earliest SLA. (SQL visibility cannot ORDER BY custom attributes.) */
  cases: CaseSummary[];
  nextPageToken: string | null;
  /** Where the page was read: the Redis projection (case-queue-store.ts) or visibility. */
  source?: 'projection' | 'visibility';
}

export interface SignalAlertResult {
  caseId: string;
  runId: string;
  /** True when this alert opened a new run (a new or reopened case). */
  started: boolean;
}

/** An analyst or supervisor action refused by the case (validator rejection): show the message to the user. */
export class CaseActionRejectedError extends Error {
  override readonly name = 'CaseActionRejectedError';
}

export class CaseNotFoundError extends Error {
  override readonly name = 'CaseNotFoundError';
}

export interface CaseClient {
  /** Open a case for the alert's VIN, or add the alert to the open one (signal-with-start). */
  signalAlert(alert: CaseAlert, config: CaseConfig): Promise<SignalAlertResult>;
  /**
   * Open the ring case of `ring` (an entity the alert's evidence names), or add the alert and the
   * members it names to the open one (signal-with-start of `ring-<kind>-<id>`).
   */
  signalRingAlert(alert: CaseAlert, ring: RingEntity, config: CaseConfig): Promise<SignalAlertResult>;
  listQueue(queue: string, filters?: QueueFilters, paging?: Paging): Promise<CasePage>;
  /** Cases in any of `queues`, in one visibility query (related cases: one query per relation). */
  listCases(queues: readonly string[], filters?: QueueFilters, paging?: Paging): Promise<CasePage>;
  /**
   * Adds to the projection's set of `queue` the cases visibility lists in it that the set lacks
   * (case-queue-store.ts `reconcile`), of its `maxCases` newest; how many were added (0 without a projection).
   */
  reconcileQueue(queue: string, maxCases: number): Promise<number>;
  /** Escalated cases, and open ones already past their SLA (the timer fires within moments). */
  listBreached(filters?: Omit<QueueFilters, 'status'>, paging?: Paging): Promise<CasePage>;
  /** The full case (evidence, notes, audit trail) of the VIN's latest run; null when there is none. */
  getCase(vin: string): Promise<CaseState | null>;
  /**
   * The case for a page, within about `describeMs + queryMs` however busy the worker is: the
   * projection (with whether it is current), else the workflow's answer, else the queue summary;
   * null when Temporal knows no such case (README "Reading a case").
   */
  readCase(vin: string): Promise<CaseRead | null>;
  claim(vin: string, input: ClaimInput): Promise<CaseState>;
  release(vin: string, input: ReleaseInput): Promise<CaseState>;
  addNote(vin: string, input: AddNoteInput): Promise<CaseState>;
  requestInfo(vin: string, input: RequestInfoInput): Promise<CaseState>;
  decide(vin: string, input: DecideInput): Promise<CaseState>;
  reassign(vin: string, input: ReassignInput): Promise<CaseState>;
  override(vin: string, input: OverrideInput): Promise<CaseState>;
}

export interface CaseClientOptions {
  /** Temporal task queue of the case worker (default `zm-cases`). */
  taskQueue?: string;
  /** The case projection the worker writes; absent: `readCase` asks the workflow (with its deadline). */
  views?: CaseViewReader;
  /**
   * The queues from the projection (case-queue-store.ts): listings of undecided cases read it instead
   * of visibility (which they fall back to when Redis fails). Absent: every listing is a visibility query.
   */
  queueStore?: CaseQueueStore;
  /** Deadlines of `readCase` (default `CASE_READ_DEADLINES`). */
  readDeadlines?: { describeMs: number; queryMs: number; summaryMs: number };
}

/** `p`'s value, or null when it fails or takes longer than `ms`. */
function orNullAfter<T>(ms: number, p: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  return Promise.race([p.catch(() => null), late]).finally(() => clearTimeout(timer));
}

/** `p`'s value, or undefined when it takes longer than `ms` (`p` goes on). */
function orUndefinedAfter<T>(ms: number, p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** gRPC NOT_FOUND (5): DescribeWorkflowExecution of a workflow id Temporal does not know. */
const isNotFound = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 5;

/** Visibility query values are quoted; refuse anything that could break out of the quotes. */
function quote(value: string): string {
  if (!isSafeFilterValue(value))
    throw new CaseActionRejectedError(`invalid filter value ${JSON.stringify(value)}`);
  return `'${value}'`;
}

function inList(field: string, values: readonly string[]): string {
  return values.length === 1
    ? `${field} = ${quote(values[0]!)}`
    : `${field} IN (${values.map(quote).join(', ')})`;
}

const asList = <T>(v: T | T[] | undefined): T[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? v : [v];

/** Builds the visibility query of a queue listing (exported for tests and the console's debugging view). */
export function queueQuery(
  queue: string | readonly string[] | null,
  filters: QueueFilters = {},
  extra?: string,
): string {
  const parts = [`WorkflowType = '${CASE_WORKFLOW_TYPE}'`, `ExecutionStatus = 'Running'`];
  if (typeof queue === 'string') parts.push(`ZmQueue = ${quote(queue)}`);
  else if (queue !== null && queue.length > 0) parts.push(inList('ZmQueue', queue));
  const statuses = asList(filters.status) ?? OPEN_CASE_STATUSES;
  if (extra === undefined) parts.push(inList('ZmStatus', statuses));
  const severities = asList(filters.severity);
  if (severities?.length) parts.push(inList('ZmSeverity', severities));
  if (filters.assignee === null) parts.push('ZmAssignee IS NULL');
  else if (filters.assignee !== undefined) parts.push(`ZmAssignee = ${quote(filters.assignee)}`);
  if (filters.destination !== undefined)
    parts.push(`ZmDestination = ${quote(filters.destination.toUpperCase())}`);
  if (filters.registrant !== undefined) parts.push(`ZmRegistrant = ${quote(filters.registrant)}`);
  if (filters.firstRegistrant !== undefined)
    parts.push(`ZmFirstRegistrant = ${quote(filters.firstRegistrant)}`);
  const exporters = asList(filters.exporter);
  if (exporters?.length) parts.push(inList('ZmExporter', exporters));
  if (filters.jurisdiction !== undefined) parts.push(`ZmJurisdiction = ${quote(filters.jurisdiction)}`);
  const typologies = asList(filters.typology);
  if (typologies?.length) parts.push(inList('ZmTypologies', typologies));
  if (filters.vins?.length) parts.push(inList('WorkflowId', filters.vins.map(caseIdFor)));
  if (extra !== undefined) parts.push(`(${extra})`);
  return parts.join(' AND ');
}

export function createCaseClient(client: Client, options: CaseClientOptions = {}): CaseClient {
  const taskQueue = options.taskQueue ?? CASES_TASK_QUEUE;
  const namespace = client.options.namespace;
  const deadlines = options.readDeadlines ?? CASE_READ_DEADLINES;
  const within = <T>(ms: number, fn: () => Promise<T>): Promise<T> =>
    client.connection.withDeadline(Date.now() + ms, fn);

  /** The latest run as Temporal describes it; null when there is no such workflow. */
  async function describe(vin: string): Promise<CaseDescription | null> {
    try {
      const res = await within(deadlines.summaryMs, () =>
        client.workflowService.describeWorkflowExecution({
          namespace,
          execution: { workflowId: caseIdFor(vin) },
        }),
      );
      const info = res.workflowExecutionInfo ?? {};
      return {
        runId: info.execution?.runId ?? '',
        pendingWorkflowTask: res.pendingWorkflowTask !== null && res.pendingWorkflowTask !== undefined,
        summary: caseSummaryOf(info),
      };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async function getCase(vin: string, deadlineMs?: number): Promise<CaseState | null> {
    const query = () => client.workflow.getHandle(caseIdFor(vin)).query(getCaseQuery, {});
    try {
      return await (deadlineMs === undefined ? query() : within(deadlineMs, query));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  async function list(query: string, paging: Paging = {}): Promise<CasePage> {
    const res = await client.workflowService.listWorkflowExecutions({
      namespace,
      query,
      pageSize: Math.min(Math.max(paging.pageSize ?? 50, 1), 1000),
      nextPageToken: paging.pageToken ? Buffer.from(paging.pageToken, 'base64url') : Buffer.alloc(0),
    });
    const cases = res.executions.map(caseSummaryOf);
    cases.sort(bySeverityThenSla);
    const token =
      res.nextPageToken && res.nextPageToken.length > 0
        ? Buffer.from(res.nextPageToken).toString('base64url')
        : null;
    return { cases, nextPageToken: token, source: 'visibility' };
  }

  /**
   * From the projection when it can answer (undecided cases, or any statuses of one first
   * registrant, holder or exporter: related cases; its own page token), else visibility.
   */
  async function listQueues(
    queues: readonly string[],
    filters?: QueueFilters,
    paging?: Paging,
  ): Promise<CasePage> {
    const store = options.queueStore;
    const token = paging?.pageToken;
    if (store && servedByProjection(filters) && (token === undefined || isQueueStoreToken(token))) {
      try {
        return await store.list(queues, filters, paging);
      } catch (err) {
        // Redis failed: visibility answers a first page; a page of the projection's cannot go on there.
        if (token !== undefined) throw err;
      }
    }
    return list(queueQuery(queues.length === 1 ? queues[0]! : queues, filters), paging);
  }

  async function update<I>(vin: string, def: UpdateDefinition<CaseState, [I]>, input: I): Promise<CaseState> {
    const handle = client.workflow.getHandle(caseIdFor(vin));
    try {
      return await handle.executeUpdate(def, { args: [input] });
    } catch (err) {
      throw translate(err, vin);
    }
  }

  function translate(err: unknown, vin: string): unknown {
    if (err instanceof WorkflowUpdateFailedError)
      return new CaseActionRejectedError(err.cause?.message ?? err.message, { cause: err });
    if (err instanceof WorkflowNotFoundError)
      return new CaseNotFoundError(`no case for VIN ${vin}`, { cause: err });
    return err;
  }

  async function signalWithStart(input: CaseInput, alert: CaseAlert): Promise<SignalAlertResult> {
    const { caseId, config } = input;
    const signal: AlertSignalInput = { alert };
    // Pre-set the attributes the workflow will set in its first task (decided by the case machine),
    // so a new case is in its queue as soon as it exists. Ignored by the server when the case is
    // already running.
    const opening = openingState(config, alert, Date.now(), input);
    const attributes = searchAttributesOfOpening(opening);
    // The raw call (rather than WorkflowClient.signalWithStart) because only its response says
    // whether a run was started: the escalator's "cases started" metric. Payloads use the default
    // converter, as the worker does.
    const res = await client.workflowService.signalWithStartWorkflowExecution({
      namespace,
      identity: client.options.identity,
      requestId: randomUUID(),
      workflowId: caseId,
      workflowIdReusePolicy: ALLOW_DUPLICATE,
      workflowType: { name: CASE_WORKFLOW_TYPE },
      taskQueue: { name: taskQueue },
      input: { payloads: [defaultPayloadConverter.toPayload(input)] },
      signalName: alertSignal.name,
      signalInput: { payloads: [defaultPayloadConverter.toPayload(signal)] },
      searchAttributes: { indexedFields: encodeSearchAttributes(attributes) },
    });
    const runId = res.runId ?? '';
    const started = res.started ?? false;
    // A new case is listed in its queue now, not after the worker's first task, which waits for a
    // free worker slot and CPU under load (README "Queues"). Best effort: the worker writes the row
    // anyway, so a Redis fault here costs only that head start, never the signal.
    if (started && options.queueStore)
      await options.queueStore.admit(caseRowOf(opening, runId, 'opening')).catch(() => false);
    return { caseId, runId, started };
  }

  return {
    signalAlert(alert, config) {
      return signalWithStart({ caseId: caseIdFor(alert.vin), vin: alert.vin, config }, alert);
    },

    signalRingAlert(alert, ring, config) {
      const caseId = ringCaseIdFor(ring);
      // The case key of a ring case is its id; its members come with its alerts.
      const subject = { kind: ring.kind, id: ring.id, members: [], memberCount: 0 };
      return signalWithStart({ caseId, vin: caseId, config, ring: subject }, alert);
    },

    listQueue(queue, filters, paging) {
      return listQueues([queue], filters, paging);
    },

    async listCases(queues, filters, paging) {
      // No queue lists no case (an empty list must not widen the query to every queue).
      if (queues.length === 0) return { cases: [], nextPageToken: null };
      return listQueues(queues, filters, paging);
    },

    async reconcileQueue(queue, maxCases) {
      if (!options.queueStore) return 0;
      let added = 0;
      let seen = 0;
      let pageToken: string | undefined;
      do {
        const page = await list(queueQuery(queue), {
          pageSize: Math.min(1000, maxCases - seen),
          ...(pageToken ? { pageToken } : {}),
        });
        seen += page.cases.length;
        added += await options.queueStore.reconcile(queue, page.cases);
        pageToken = page.nextPageToken ?? undefined;
      } while (pageToken && seen < maxCases);
      return added;
    },

    listBreached(filters = {}, paging) {
      const now = new Date().toISOString();
      const extra = `ZmStatus = 'escalated' OR (ZmStatus IN ('open', 'in_review') AND ZmSlaDueAt < '${now}')`;
      return list(queueQuery(null, filters, extra), paging);
    },

    getCase: (vin) => getCase(vin),

    async readCase(vin) {
      // Started together: the projection (bounded by the freshness deadline) and the description
      // (bounded by the summary deadline: without a projection it is the page's last resort).
      // described: undefined = Temporal did not answer in time (or failed); null = no such case.
      const describing = describe(vin).catch(() => undefined);
      const view = options.views ? await orNullAfter(deadlines.describeMs, options.views.read(vin)) : null;
      if (view) {
        const described = await orUndefinedAfter(deadlines.describeMs, describing);
        return described === null ? null : judgeProjection(view, described);
      }
      // No projection: the workflow's query (the worker may answer in time) and the description (its
      // search attributes are the summary), in parallel.
      const [state, described] = await Promise.all([
        getCase(vin, deadlines.queryMs).catch(() => undefined),
        describing,
      ]);
      if (state) return { state, source: 'workflow', stale: false, asOf: null, note: null };
      if (state === null || described === null) return null;
      if (described) return summaryRead(described.summary, new Date());
      throw new Error(
        `neither the workflow of case-${vin} nor Temporal's description of it came within ${deadlines.summaryMs} ms`,
      );
    },

    claim: (vin, input) => update(vin, claimUpdate, input),
    release: (vin, input) => update(vin, releaseUpdate, input),
    addNote: (vin, input) => update(vin, addNoteUpdate, input),
    requestInfo: (vin, input) => update(vin, requestInfoUpdate, input),
    decide: (vin, input) => update(vin, decideUpdate, input),
    reassign: (vin, input) => update(vin, reassignUpdate, input),
    override: (vin, input) => update(vin, overrideUpdate, input),
  };
}
