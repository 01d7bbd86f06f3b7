/**
 * Everything the case workflow, its worker, the escalator and the client agree on: task queue, message
 * definitions (one input object per handler), state and config types, search attribute keys.
 * Imported by workflow code, so: no Node APIs, no I/O clients, only `import type` from other packages
 * (and the pure time units, which the bundle includes; the determinism lint covers them too).
 */
import { defineQuery, defineSignal, defineUpdate, type Sinks } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { DAY_MS, HOUR_MS } from '@zmwatch/schemas/time-units';
import type {
  Alert,
  AlertStatus,
  AlertV2Fields,
  AlertV3Fields,
  Party,
  RuleHit,
  RuleHitV3Fields,
  Severity,
  SEVERITY_SYMBOLS,
  TimelineEvent,
} from '@zmwatch/schemas';
import { isRingCaseId, type RingMembersAction, type RingSubject } from './ring-case.js';

export type { Alert, AlertStatus, AlertV2Fields, AlertV3Fields, Severity };
/** A party as alert contract v2 names it (id and type). */
export type AlertParty = Party;
/** One event of an alert's timeline (contract v2). */
export type AlertTimelineEvent = TimelineEvent;

/**
 * An alert as a case holds it: any contract version, so the fields v2 and v3 added
 * (schemas/avro/alert/v2.avsc, `AlertV2Fields`; v3.avsc, `AlertV3Fields`, `RuleHitV3Fields`) may be
 * missing — older alerts, and every history recorded before them, lack them. A case reads them
 * through `alertRevision`/`alertStatus` (case-revisions.ts) and never assumes them.
 */
export type CaseAlert = Omit<Alert, keyof AlertV2Fields | keyof AlertV3Fields | 'rules'> &
  Partial<AlertV2Fields & AlertV3Fields> & { rules: CaseRuleHit[] };
/** A rule hit as a case holds it: the v3 fields (typology, entity evidence) missing before v3. */
export type CaseRuleHit = Omit<RuleHit, keyof RuleHitV3Fields> & Partial<RuleHitV3Fields>;

/** The task queue the case worker polls (Temporal's, not an analyst queue). */
export const CASES_TASK_QUEUE = 'zm-cases';

/** Workflow type name as registered by the worker (the exported function name). */
export const CASE_WORKFLOW_TYPE = 'caseWorkflow';

/**
 * Business id: one case per VIN, so repeated alerts for a VIN signal the same case. A case key is a VIN
 * or a ring case id (ring-case.ts), which is its own workflow id.
 */
export const caseIdFor = (key: string): string => (isRingCaseId(key) ? key : `case-${key}`);

/**
 * The severities, lowest first: schemas' `SEVERITY_SYMBOLS` (the Avro enum) is their home. Workflow
 * code cannot load @zmwatch/schemas at run time (the bundle would take avsc with it), so this is a
 * mirror the compiler holds to it: a symbol added, dropped or reordered there fails to compile here.
 */
export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const satisfies typeof SEVERITY_SYMBOLS;
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s) + 1;

/** Every case status, in the order a case moves through them. */
export const CASE_STATUSES = [
  'open',
  'in_review',
  'escalated',
  'confirmed',
  'dismissed',
  'withdrawn',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
/** Statuses of an undecided case (the others are decisions); the default of a queue listing. */
export const OPEN_CASE_STATUSES: readonly CaseStatus[] = ['open', 'in_review', 'escalated'];

/**
 * Values a visibility-query filter may hold (registrant, exporter, assignee, ...): the case client
 * quotes them and refuses anything else, so ids outside this set simply match no case.
 */
export const SAFE_FILTER_VALUE = /^[\w.@:+-]{1,200}$/;
export const isSafeFilterValue = (value: string | null | undefined): value is string =>
  typeof value === 'string' && SAFE_FILTER_VALUE.test(value);

export type Decision = 'confirm' | 'dismiss';

// ---------------------------------------------------------------------------------------------
// Configuration (passed as workflow input, so a running case keeps the rules it was opened with)
// ---------------------------------------------------------------------------------------------

export interface RoutingConfig {
  priorityQueue: string;
  standardQueue: string;
  supervisorQueue: string;
  /** Severities that always go to the priority queue. */
  prioritySeverities: Severity[];
  /** ISO 3166-1 alpha-2 destinations that always go to the priority queue. */
  priorityDestinations: string[];
}

export interface CaseConfig {
  routing: RoutingConfig;
  /** Time allowed to decide a case, per severity, in milliseconds (counted from opening or reassignment). */
  slaMs: Record<Severity, number>;
  /** Ids allowed to reassign and override; empty means anyone (development only). */
  supervisors: string[];
  /**
   * How long a decided case keeps running after its decision: replays of its alerts are absorbed
   * (ignored) during that time, and a new alert reopens it as a new run (continue-as-new).
   */
  closedRetentionMs: number;
  /** Continue-as-new once the run's history has this many events (Temporal's own suggestion also counts). */
  maxHistoryEvents: number;
}

/** The analyst queues the default routing sends cases to. */
export const DEFAULT_QUEUES = {
  priority: 'priority',
  standard: 'standard',
  supervisor: 'supervisor',
} as const;
/** Every default queue: what the console and the CLI list unless ZM_CONSOLE_QUEUES says otherwise. */
export const DEFAULT_QUEUE_NAMES: readonly string[] = Object.values(DEFAULT_QUEUES);

export const DEFAULT_CASE_CONFIG: CaseConfig = {
  routing: {
    priorityQueue: DEFAULT_QUEUES.priority,
    standardQueue: DEFAULT_QUEUES.standard,
    supervisorQueue: DEFAULT_QUEUES.supervisor,
    prioritySeverities: ['CRITICAL'],
    priorityDestinations: ['RU'],
  },
  slaMs: { CRITICAL: 2 * HOUR_MS, HIGH: 8 * HOUR_MS, MEDIUM: 48 * HOUR_MS, LOW: 7 * DAY_MS },
  supervisors: [],
  closedRetentionMs: 30 * DAY_MS,
  maxHistoryEvents: 5_000,
};

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/**
 * One applied alert revision; `appliedAt` is workflow time (ISO). A later revision of an alert is a new
 * entry (so the evidence is also the case's revision history); older or equal revisions are not kept.
 */
export interface AlertEvidence {
  alert: CaseAlert;
  appliedAt: string;
}

/** Every alert of the case is withdrawn (declaration cancelled or rejected): what said so, and when. */
export interface CaseWithdrawal {
  at: string;
  alertId: string;
  revision: number;
  reason: string | null;
}

export interface CaseNote {
  by: string;
  at: string;
  text: string;
}

export interface InfoRequest {
  by: string;
  at: string;
  question: string;
}

export interface AuditEntry {
  /** Workflow time (deterministic), ISO 8601. */
  at: string;
  /** Analyst / supervisor id, or `system` for the workflow itself. */
  by: string;
  action:
    | 'opened'
    | 'reopened'
    | 'evidence-added'
    | 'duplicate-alert-ignored'
    | 'revised'
    | 'severity-raised'
    | 'severity-lowered'
    | 'severity-lower-recorded'
    | 'declaration-withdrawn'
    | 'rerouted'
    | 'claimed'
    | 'released'
    | 'note-added'
    | 'info-requested'
    | 'decided'
    | 'sla-breached'
    | 'reassigned'
    | 'overridden'
    | 'outcome-published'
    | 'customs-notified'
    | 'customs-notification-failed'
    | 'continued-as-new'
    // ring cases (ring-case.ts): members named by an alert; the members' cases told of a decision
    | 'members-added'
    | 'members-notified'
    // a member case: its ring case's decision, recorded (and applied when the ring decided them)
    | 'ring-decision-noted';
  detail?: string;
}

export interface CaseDecisionRecord {
  decision: Decision;
  reason: string;
  by: string;
  at: string;
  /** True when a supervisor decided through `override`. */
  override: boolean;
  /** A ring case's decision: what it did to its members' cases. */
  members?: RingMembersAction;
  /** A member case decided by its ring case's decision: that ring case's id. */
  ringCaseId?: string;
}

export interface CaseState {
  caseId: string;
  vin: string;
  status: CaseStatus;
  queue: string;
  severity: Severity;
  score: number;
  assignee: string | null;
  destinationCountry: string | null;
  /** The holder of the registration at declaration time (ZmRegistrant; v1 alerts' `registrantId`). */
  registrantId: string | null;
  /** The first registrant (ZmFirstRegistrant); null for v1 alerts, which do not say. */
  firstRegistrantId: string | null;
  jurisdiction: string | null;
  openedAt: string;
  /** When the current SLA expires; null while escalated (the supervisor owns it). */
  slaDueAt: string | null;
  escalations: number;
  evidence: AlertEvidence[];
  /** Union of all alerts' facts, later alerts win. */
  facts: Record<string, string>;
  notes: CaseNote[];
  infoRequests: InfoRequest[];
  decision: CaseDecisionRecord | null;
  /** Set when every alert of the case is withdrawn: an unclaimed case closes as `withdrawn`, a claimed one shows it to its assignee. */
  withdrawal: CaseWithdrawal | null;
  audit: AuditEntry[];
  /** Alert ids applied by earlier (decided) runs of this case; replays of them never reopen it. */
  priorAlertIds: string[];
  /** Decisions of earlier runs, oldest first (a reopened case shows what was decided before). */
  previousDecisions: CaseDecisionRecord[];
  /** Run that was decided and then reopened into this one. */
  reopenedFromRunId: string | null;
  /** A ring case's entity and members (ring-case.ts); absent for a vehicle case. `vin` is then the ring case id. */
  ring?: RingSubject;
}

export interface CaseInput {
  caseId: string;
  vin: string;
  config: CaseConfig;
  /** A ring case: its entity (and, on reopening, the members known before). */
  ring?: RingSubject;
  /** Set only by continue-as-new: the state to carry on with. */
  carried?: CaseState;
  /** Set only by continue-as-new after a decision: new alerts that reopen the case, and what came before. */
  reopen?: {
    alerts: CaseAlert[];
    priorAlertIds: string[];
    previousDecisions: CaseDecisionRecord[];
    fromRunId: string;
  };
}

export interface CaseResult {
  caseId: string;
  vin: string;
  status: CaseStatus;
  decision: CaseDecisionRecord | null;
  alertIds: string[];
}

// ---------------------------------------------------------------------------------------------
// Messages: one input object per handler
// ---------------------------------------------------------------------------------------------

export interface AlertSignalInput {
  alert: CaseAlert;
}
export interface ClaimInput {
  by: string;
}
export interface ReleaseInput {
  by: string;
}
export interface AddNoteInput {
  by: string;
  text: string;
}
export interface RequestInfoInput {
  by: string;
  question: string;
}
export interface DecideInput {
  by: string;
  decision: Decision;
  /** Mandatory, non-blank. */
  reason: string;
  /** A ring case only: what the decision does to its members' cases (default `annotate`). */
  members?: RingMembersAction;
}
export interface ReassignInput {
  /** Supervisor. */
  by: string;
  to: string;
  reason: string;
}
export interface OverrideInput {
  /** Supervisor. */
  by: string;
  reason: string;
  /** Decide the case directly (no assignee needed). */
  decision?: Decision;
  /** Set the severity (re-routes the case and recomputes its SLA). */
  severity?: Severity;
}
export type GetCaseInput = Record<string, never>;

export const alertSignal = defineSignal<[AlertSignalInput]>('alert');
export const getCaseQuery = defineQuery<CaseState, [GetCaseInput]>('getCase');
export const claimUpdate = defineUpdate<CaseState, [ClaimInput]>('claim');
export const releaseUpdate = defineUpdate<CaseState, [ReleaseInput]>('release');
export const addNoteUpdate = defineUpdate<CaseState, [AddNoteInput]>('addNote');
export const requestInfoUpdate = defineUpdate<CaseState, [RequestInfoInput]>('requestInfo');
export const decideUpdate = defineUpdate<CaseState, [DecideInput]>('decide');
export const reassignUpdate = defineUpdate<CaseState, [ReassignInput]>('reassign');
export const overrideUpdate = defineUpdate<CaseState, [OverrideInput]>('override');

/**
 * The workflow's sink to the case projection (case-view-store.ts): after an activation that changed
 * the case, the worker stores the state the console reads. A sink call is not a command (histories
 * are unchanged, nothing to patch) and is not made while replaying.
 */
export interface CaseViewSinks extends Sinks {
  caseViews: {
    publish(state: CaseState): void;
  };
}

// ---------------------------------------------------------------------------------------------
// Activities' inputs (the activity implementations live in activities.ts)
// ---------------------------------------------------------------------------------------------

/** Sent to supervisors: an SLA breach, or a customs notification that failed for good. */
export interface CaseNotification {
  kind: 'sla-breached' | 'customs-notification-failed';
  caseId: string;
  vin: string;
  severity: Severity;
  queue: string;
  assignee: string | null;
  /** The SLA that was missed (sla-breached). */
  slaDueAt: string | null;
  at: string;
  escalations: number;
  message: string;
}

export interface OutcomeInput {
  caseId: string;
  vin: string;
  decision: Decision;
  reason: string;
  analyst: string;
  alertIds: string[];
  openedAt: string;
  decidedAt: string;
}

export interface HoldRecommendationInput {
  caseId: string;
  /** First run id of this case's decision (with caseId: the idempotency key). */
  runId: string;
  vin: string;
  reason: string;
  analyst: string;
  severity: Severity;
  score: number;
  destinationCountry: string | null;
  exporterIds: string[];
  declarationIds: string[];
  alertIds: string[];
  decidedAt: string;
}

/** `Idempotency-Key` the customs endpoint dedupes on: one hold recommendation per decided run. */
export const holdIdempotencyKey = (caseId: string, runId: string): string => `${caseId}-${runId}`;

// ---------------------------------------------------------------------------------------------
// Search attributes (registered on the dev server from infra/temporal/search-attributes.yaml)
// ---------------------------------------------------------------------------------------------

export const SA = {
  queue: defineSearchAttributeKey('ZmQueue', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('ZmStatus', SearchAttributeType.KEYWORD),
  severity: defineSearchAttributeKey('ZmSeverity', SearchAttributeType.KEYWORD),
  severityRank: defineSearchAttributeKey('ZmSeverityRank', SearchAttributeType.INT),
  assignee: defineSearchAttributeKey('ZmAssignee', SearchAttributeType.KEYWORD),
  destination: defineSearchAttributeKey('ZmDestination', SearchAttributeType.KEYWORD),
  /** The holder of the registration at declaration time. */
  registrant: defineSearchAttributeKey('ZmRegistrant', SearchAttributeType.KEYWORD),
  /** The first registrant (v2 alerts only). */
  firstRegistrant: defineSearchAttributeKey('ZmFirstRegistrant', SearchAttributeType.KEYWORD),
  /** The exporter of the case's latest alert (one value: a Keyword, not a KeywordList). */
  exporter: defineSearchAttributeKey('ZmExporter', SearchAttributeType.KEYWORD),
  jurisdiction: defineSearchAttributeKey('ZmJurisdiction', SearchAttributeType.KEYWORD),
  /**
   * The typologies of the alerts' latest active revisions (`caseTypologies`, case-revisions.ts): a
   * KeywordList, so `ZmTypologies = 'RING_OR_TRADER'` matches a case that holds it among others.
   */
  typologies: defineSearchAttributeKey('ZmTypologies', SearchAttributeType.KEYWORD_LIST),
  vin: defineSearchAttributeKey('ZmVin', SearchAttributeType.KEYWORD),
  slaDueAt: defineSearchAttributeKey('ZmSlaDueAt', SearchAttributeType.DATETIME),
  score: defineSearchAttributeKey('ZmScore', SearchAttributeType.DOUBLE),
} as const;
